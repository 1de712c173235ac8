import Foundation
import Hummingbird
public import Logging
import NIOCore
import Synchronization
import WabaClient
import WabaMedia

/// A local stand-in for `POST /v1/waba/send-media` that keeps the real contract: key check (401),
/// required fields and media checks (400), unknown contacts (404), injectable failures (500),
/// and the real API's answer shape.
///
/// Each concern of the endpoint is a middleware, outermost first: the answer delay, the record of
/// what was answered, the rate limit, the body limit, the API key and the fault injection; the
/// handler parses, stores and answers.
public final class SandboxServer: Sendable {
    public let configuration: SandboxConfiguration
    private let logger: Logger
    private let checker: MediaChecker
    private let executor = BlockingExecutor(threads: 2)
    private let state = Mutex(State())
    /// What was received, for the web inbox at `/`.
    public let inbox: SandboxInbox
    private let media: InboxMedia?

    /// What the sandbox answered, for rehearsals and the inbox's panel.
    let ledger = SandboxLedger()
    /// The seed of ``SandboxConfiguration/failRate``'s draws: the configured one, or one picked at
    /// random. Passing it as `failRateSeed` fails the same sends again.
    public let failRateSeed: UInt64
    private let issued = IssuedMediaURLs()
    private let recorder: SendRecordingMiddleware
    private let rateLimiter: RateLimitMiddleware?
    private let faults: FaultInjectionMiddleware

    private struct State {
        var baseURL: String?
        var task: Task<Void, any Error>?
    }

    /// - Parameter logger: where the sandbox logs requests (never the key); nothing is logged when nil.
    public init(configuration: SandboxConfiguration = SandboxConfiguration(), logger: Logger? = nil) throws {
        if let problem = configuration.rehearsalProblem {
            throw WabaMediaError(.invalidArgument, "the sandbox cannot start: \(problem)", hint: "fix that setting")
        }
        self.configuration = configuration
        self.failRateSeed = configuration.failRateSeed ?? UInt64.random(in: .min ... .max)
        let logger = logger ?? Logger(label: "wamedia.sandbox", factory: { _ in SwiftLogNoOpLogHandler() })
        self.logger = logger
        self.checker = try MediaChecker(profile: configuration.profile)
        let detector = try MIMEDetector()
        self.inbox = SandboxInbox(detector: detector, previewTimeLimit: configuration.previewTimeLimit)
        self.media = configuration.storeDirectory.map { InboxMedia(store: $0, detector: detector) }
        self.recorder = SendRecordingMiddleware(
            storeDirectory: configuration.storeDirectory, ledger: ledger, inbox: inbox, issued: issued, logger: logger)
        self.rateLimiter = configuration.rateLimit.map {
            RateLimitMiddleware(limit: $0, bodyLimit: configuration.bodyLimit)
        }
        self.faults = FaultInjectionMiddleware(
            failFirst: configuration.failFirst, rate: configuration.failRate, seed: failRateSeed)
        if let store = configuration.storeDirectory {
            do {
                try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
            } catch {
                throw WabaMediaError(
                    .ioError, "cannot create the store directory \(store): \(error.localizedDescription)",
                    hint: "give a writable --store folder")
            }
        }
    }

    deinit { executor.shutdown() }

    /// The server's address (`http://127.0.0.1:PORT`) once it runs.
    public var baseURL: String? { state.withLock { $0.baseURL } }
    /// Everything received so far, oldest first.
    public var receipts: [SandboxReceipt] { recorder.receipts }
    /// How many send-media requests arrived (including refused ones).
    public var requestCount: Int { recorder.requestCount }

    /// Makes the next `count` requests fail with 500 after their body was read.
    public func failNext(_ count: Int) { faults.failNext(count) }

    /// Every message accepted so far (answered 200), oldest first: a rehearsal proves from it that
    /// no message arrived twice. `GET /sandbox/accepted` serves the same as JSON Lines.
    public func acceptedMessages() async -> [SandboxAcceptedMessage] { ledger.accepted }

    /// How many send-media requests got each kind of answer so far. `GET /sandbox/counts` serves
    /// the same as JSON.
    public func counts() async -> SandboxCounts { ledger.snapshot.counts }

    /// Starts listening and returns the base URL. For tests and embedding: stop with ``stop()``.
    public func start() async throws -> String {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        inbox.reopen()
        let app = makeApplication { url in continuation.yield(url) }
        let task = Task {
            defer { continuation.finish() }
            try await app.run()
        }
        state.withLock { $0.task = task }
        for await url in stream { return url }
        // The stream ended without an address: the server could not start.
        do {
            try await task.value
        } catch {
            throw WabaMediaError(
                .ioError, "the sandbox could not listen on \(configuration.host):\(configuration.port): \(error)",
                hint: "pick another --port")
        }
        throw WabaMediaError(.ioError, "the sandbox stopped before it started listening")
    }

    /// Stops a server started with ``start()``, waiting for it to close.
    public func stop() async {
        guard let task = state.withLock({ $0.task }) else { return }
        inbox.close()
        task.cancel()
        _ = try? await task.value
        state.withLock {
            $0.task = nil
            $0.baseURL = nil
        }
    }

    /// Runs until SIGINT or SIGTERM (the CLI's `wamedia sandbox`); `onRunning` gets the base URL.
    public func run(onRunning: @escaping @Sendable (String) -> Void) async throws {
        let app = makeApplication(onRunning)
        do {
            try await app.runService()
        } catch {
            throw WabaMediaError(
                .ioError, "the sandbox could not listen on \(configuration.host):\(configuration.port): \(error)",
                hint: "pick another --port")
        }
    }

    private func makeApplication(_ onRunning: @escaping @Sendable (String) -> Void) -> some ApplicationProtocol {
        let router = Router()
        addSendMedia(to: router)
        router.get("/sandbox/accepted") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: MIMEType.ndjson.utf8ContentType, .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: try SandboxLedger.jsonLines(self.ledger.accepted))))
        }
        router.get("/sandbox/counts") { _, _ -> Response in
            let data = try JSONEncoder().encode(self.ledger.snapshot.counts)
            return Response(
                status: .ok, headers: [.contentType: MIMEType.json.utf8ContentType, .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
        InboxPage(inbox: inbox, media: media, ledger: ledger).register(on: router) { [weak self] in self?.baseURL }
        let host = configuration.host
        let headerTimeout = TimeAmount.nanoseconds(Self.nanoseconds(configuration.headerTimeout))
        return Application(
            router: router,
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [ConnectionGuard(headerTimeout: headerTimeout)],
                    idleTimeout: .nanoseconds(Self.nanoseconds(configuration.idleTimeout)))),
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "wamedia-sandbox"),
            onServerRunning: { [weak self] channel in
                let port = channel.localAddress?.port ?? 0
                let shownHost = host.contains(":") ? "[\(host)]" : host
                let url = "http://\(shownHost):\(port)"
                self?.state.withLock { $0.baseURL = url }
                onRunning(url)
            },
            logger: logger)
    }

    /// `POST /v1/waba/send-media`: its middleware, outermost first, and its handler.
    private func addSendMedia(to router: Router<BasicRequestContext>) {
        let handler = SendMediaHandler(
            configuration: configuration, checker: checker, executor: executor, issued: issued, logger: logger,
            baseURL: { [weak self] in self?.baseURL })
        let sendMedia = router.group("/v1/waba/send-media", context: SendRequestContext.self)
            // Every answer waits alike, whatever it says, as a slow platform's would.
            .add(middleware: AnswerDelayMiddleware(delay: configuration.answerDelay))
            .add(middleware: recorder)
        if let rateLimiter { sendMedia.add(middleware: rateLimiter) }
        sendMedia
            .add(middleware: BodyLimitMiddleware(limit: configuration.bodyLimit))
            .add(middleware: APIKeyMiddleware(key: configuration.apiKey))
            .add(middleware: faults)
            .post { request, context in try await handler.handle(request, context: context) }
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return min(seconds, 86_400) * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
