import Foundation
import Hummingbird
public import Logging
import NIOCore
import Synchronization
import WabaClient
import WabaMedia

/// `wamedia serve`: the send-media API served locally, in front of the real one (the upstream).
///
/// A client changes one base URL and every file it sends is detected, checked, made to conform and
/// named before it goes upstream with the client's own key; the upstream's answer comes back
/// unchanged. Routes: `POST /v1/waba/send-media`, `POST /v1/check`, `GET /v1/reports/{request-id}`,
/// `GET /healthz`.
public final class GatewayServer: Sendable {
    public let configuration: GatewayConfiguration
    private let logger: Logger
    /// The preparations' blocking work: the gateway's own threads, as many as files prepared at once.
    private let executor: BlockingExecutor
    private let preparer: MediaPreparer
    /// The upstream client's settings; each run makes its client and shuts it down when it ends.
    private let upstream: SendMediaClient.Configuration
    private let reports: ReportShelf
    private let check: CheckEndpoint
    private let state = Mutex(State())

    private struct State {
        var baseURL: String?
        var task: Task<Void, any Error>?
    }

    /// - Parameter logger: where requests are logged (never a key, a caption or media); nothing is
    ///   logged when nil.
    /// - Throws: ``WabaMediaError`` `invalid-argument` for an upstream URL that cannot be used or a
    ///   non-loopback address without a client token.
    public init(configuration: GatewayConfiguration, logger: Logger? = nil) throws {
        if let problem = configuration.exposureProblem {
            throw WabaMediaError(
                .invalidArgument, "the gateway cannot start: \(problem)",
                hint: "give --client-token (clients then send Authorization: Bearer …), or listen on 127.0.0.1")
        }
        if let token = configuration.clientToken, token.isEmpty {
            throw WabaMediaError(.invalidArgument, "the client token is empty", hint: "give a long random token")
        }
        self.configuration = configuration
        // Request folders left by a gateway that was killed mid-request go before this one serves.
        TemporaryFolder.sweep(configuration.temporaryDirectory)
        let logger = logger ?? Logger(label: "wamedia.gateway", factory: { _ in SwiftLogNoOpLogHandler() })
        self.logger = logger
        let executor = BlockingExecutor(threads: configuration.preparationThreads)
        self.executor = executor
        preparer = try MediaPreparer(
            profile: configuration.profile, options: configuration.preparation, executor: executor)
        // Retries follow the CLI's rules: only a request that provably never reached the upstream.
        upstream = SendMediaClient.Configuration(
            baseURL: configuration.upstream, apiKey: "", connectTimeout: configuration.connectTimeout,
            readTimeout: configuration.readTimeout, writeTimeout: configuration.writeTimeout)
        try upstream.validate()
        reports = ReportShelf(capacity: configuration.reportCapacity, lifetime: configuration.reportLifetime)
        check = try CheckEndpoint(
            configuration: configuration, detector: preparer.checker.inspector.detector, executor: executor)
    }

    /// A client for one run of the server: its connections are released when the run ends.
    private func makeClient() throws -> SendMediaClient {
        try SendMediaClient(configuration: upstream, logger: nil, keyPerRequest: true)
    }

    deinit { executor.shutdown() }

    /// The server's address (`http://127.0.0.1:PORT`) once it runs.
    public var baseURL: String? { state.withLock { $0.baseURL } }

    /// Starts listening and returns the base URL. For tests and embedding: stop with ``stop()``.
    public func start() async throws -> String {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        let client = try makeClient()
        let app = makeApplication(client: client) { url in continuation.yield(url) }
        let task = Task {
            defer { continuation.finish() }
            do {
                try await app.run()
            } catch {
                try? await client.shutdown()
                throw error
            }
            try? await client.shutdown()
        }
        state.withLock { $0.task = task }
        for await url in stream { return url }
        do {
            try await task.value
        } catch {
            throw listenFailure(error)
        }
        throw WabaMediaError(.ioError, "the gateway stopped before it started listening")
    }

    /// Stops a server started with ``start()``, waiting for it to close and release its connections.
    public func stop() async {
        guard let task = state.withLock({ $0.task }) else { return }
        task.cancel()
        _ = try? await task.value
        state.withLock {
            $0.task = nil
            $0.baseURL = nil
        }
    }

    /// Runs until SIGINT or SIGTERM (`wamedia serve`); `onRunning` gets the base URL.
    public func run(onRunning: @escaping @Sendable (String) -> Void) async throws {
        let client = try makeClient()
        let app = makeApplication(client: client, onRunning)
        do {
            try await app.runService()
        } catch {
            try? await client.shutdown()
            throw listenFailure(error)
        }
        try? await client.shutdown()
    }

    private func listenFailure(_ error: any Error) -> WabaMediaError {
        WabaMediaError(
            .ioError, "the gateway could not listen on \(configuration.host):\(configuration.port): \(error)",
            hint: "pick another --port")
    }

    private func makeApplication(
        client: SendMediaClient, _ onRunning: @escaping @Sendable (String) -> Void
    ) -> some ApplicationProtocol {
        let router = Router()
        if let token = configuration.clientToken { router.add(middleware: ClientTokenMiddleware(token: token)) }
        let relay = SendMediaRelay(
            configuration: configuration, preparer: preparer, client: client, reports: reports, logger: logger)
        router.post("/v1/waba/send-media") { request, _ in try await relay.handle(request) }
        let check = self.check
        router.post("/v1/check") { request, _ in try await check.handle(request) }
        let reports = self.reports
        router.get("/v1/reports/:id") { _, context -> Response in
            guard let id = context.parameters.get("id"), let report = reports.report(id) else {
                throw GatewayError(
                    404, .reportNotFound, "no report is kept for this request id (they are kept for a while)")
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: report)))
        }
        router.get("/healthz") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "ok")))
        }
        let host = configuration.host
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "wamedia-gateway"),
            onServerRunning: { [weak self] channel in
                let port = channel.localAddress?.port ?? 0
                let shownHost = host.contains(":") ? "[\(host)]" : host
                let url = "http://\(shownHost):\(port)"
                self?.state.withLock { $0.baseURL = url }
                onRunning(url)
            },
            logger: logger)
    }
}
