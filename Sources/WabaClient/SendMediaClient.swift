import AsyncHTTPClient
import Foundation
public import Logging
import NIOCore
import NIOPosix
import Synchronization
public import WabaMedia

/// Sends media messages to `POST /v1/waba/send-media`, streaming the body with a known length.
///
/// Owns an `HTTPClient`: call ``shutdown()`` when done.
public final class SendMediaClient: Sendable {
    public struct Configuration: Sendable {
        /// The API's origin; the path `/v1/waba/send-media` is appended.
        public var baseURL: String
        /// Sent in `x-api-key`; never logged or printed.
        public var apiKey: String
        public var connectTimeout: Duration
        /// How long to wait for data from the server once it should be answering.
        public var readTimeout: Duration
        /// How long the upload may make no progress (a server that stopped reading) before the send
        /// ends as ``SendMediaError/Kind/unknown``.
        public var writeTimeout: Duration
        /// How long one send may take in all, retries included; nil for no limit but the others.
        public var deadline: Duration?
        /// How many times to try a request that provably never reached the server.
        public var maxAttempts: Int
        /// The wait before the first retry; doubled for each further one.
        public var retryDelay: Duration
        /// Also retry after the body went out (5xx, broken connection). The call is not idempotent:
        /// a retry can send the message twice.
        public var retryOnServerError: Bool

        public static let defaultBaseURL = "https://api.contactship.ai"
        public static let path = "/v1/waba/send-media"
        /// Every timeout and the deadline lie in this range: at least a millisecond, at most a day
        /// (beyond that the nanosecond arithmetic of the event loop's timers would overflow first).
        public static let timeoutRange: ClosedRange<Duration> = .milliseconds(1) ... .seconds(86_400)

        public init(
            baseURL: String = defaultBaseURL, apiKey: String, connectTimeout: Duration = .seconds(10),
            readTimeout: Duration = .seconds(120), writeTimeout: Duration = .seconds(60), deadline: Duration? = nil,
            maxAttempts: Int = 3, retryDelay: Duration = .milliseconds(250), retryOnServerError: Bool = false
        ) {
            self.baseURL = baseURL
            self.apiKey = apiKey
            self.connectTimeout = connectTimeout
            self.readTimeout = readTimeout
            self.writeTimeout = writeTimeout
            self.deadline = deadline
            self.maxAttempts = max(1, maxAttempts)
            self.retryDelay = retryDelay
            self.retryOnServerError = retryOnServerError
        }

        /// The full endpoint URL.
        public var endpoint: String {
            var base = Substring(baseURL)
            while base.hasSuffix("/") { base = base.dropLast() }
            return base + Self.path
        }

        /// Checks everything before any request: the base URL, the timeouts, and the key's characters
        /// (an empty key is left to the caller, so that a dry run needs none).
        ///
        /// - Throws: ``WabaMediaError`` `invalid-argument`, whose message never contains the key.
        public func validate() throws {
            do {
                let url = try HTTPURL(baseURL)
                let afterAuthority = baseURL.dropFirst(url.scheme.count + 3).drop {
                    $0 != "/" && $0 != "?" && $0 != "#"
                }
                guard !afterAuthority.contains("?"), !afterAuthority.contains("#") else {
                    throw WabaMediaError(
                        .invalidArgument, "the base URL \(baseURL) has a query or fragment",
                        hint: "give the API's origin only, like \(Self.defaultBaseURL)")
                }
            } catch let problem as HTTPURL.Problem {
                throw WabaMediaError(
                    .invalidArgument, "the base URL \(baseURL) cannot be used: \(problem)",
                    hint: "give one like \(Self.defaultBaseURL) with --base-url or WAMEDIA_BASE_URL")
            }
            let timeouts: [(String, Duration?)] = [
                ("connect timeout", connectTimeout), ("read timeout", readTimeout), ("write timeout", writeTimeout),
                ("deadline", deadline),
            ]
            for case (let name, let value?) in timeouts where !Self.timeoutRange.contains(value) {
                throw WabaMediaError(
                    .invalidArgument, "the \(name) must be from 1 millisecond to 1 day (86400 seconds)",
                    hint: "give a number of seconds from 1 to 86400")
            }
            try Self.checkKey(apiKey)
        }

        /// An API key travels as a header value: visible ASCII only. A key read from a file often
        /// ends in a line break, which would corrupt the request or be refused by the HTTP layer with
        /// the key in its error; neither must reach the terminal, so the key is never quoted.
        static func checkKey(_ key: String) throws {
            guard let bad = key.unicodeScalars.first(where: { !(0x21...0x7E).contains($0.value) }) else { return }
            let what: String
            switch bad.value {
            case 0x0A, 0x0D: what = "a line break"
            case 0x20, 0x09: what = "a space or tab"
            case 0..<0x20, 0x7F: what = "a control character"
            default: what = "a character that is not plain ASCII"
            }
            throw WabaMediaError(
                .invalidArgument, "the API key contains \(what), which cannot be sent in a header",
                hint:
                    "give the key exactly, with no spaces or line breaks (a key read from a file often ends in one: strip it, e.g. \"$(tr -d '\\r\\n' < key.txt)\")"
            )
        }
    }

    /// Called as the body goes out with (bytes handed to the connection, total bytes).
    public typealias Progress = @Sendable (_ sent: Int, _ total: Int) -> Void

    public let configuration: Configuration
    private let http: HTTPClient
    private let logger: Logger?

    /// - Parameters:
    ///   - logger: where requests are logged (at debug; never the key). Nothing is logged when nil.
    ///   - keyPerRequest: each request brings its own key (``forward(_:apiKey:)``, for a gateway that
    ///     passes its clients' keys on), so the configuration's may be empty.
    /// - Throws: ``WabaMediaError`` `invalid-argument` for a base URL that is not http(s) or an empty key.
    public init(configuration: Configuration, logger: Logger? = nil, keyPerRequest: Bool = false) throws {
        try configuration.validate()
        guard URL(string: configuration.endpoint) != nil else {
            throw WabaMediaError(
                .invalidArgument, "the base URL \(configuration.baseURL) is not an http(s) URL",
                hint: "give one like \(Configuration.defaultBaseURL) with --base-url or WAMEDIA_BASE_URL")
        }
        guard keyPerRequest || !configuration.apiKey.isEmpty else {
            throw WabaMediaError(
                .invalidArgument, "no API key was given", hint: "give one with --api-key or WAMEDIA_API_KEY")
        }
        self.configuration = configuration
        self.logger = logger
        var httpConfiguration = HTTPClient.Configuration()
        // The client's own write timeout measures how long the body's producer had nothing to give
        // while the connection could take more, and pauses while it cannot: it never fires for a
        // server that stopped reading. ``executeWatchingProgress`` measures that instead.
        httpConfiguration.timeout = .init(
            connect: .nanoseconds(configuration.connectTimeout.nanoseconds),
            read: .nanoseconds(configuration.readTimeout.nanoseconds))
        // A failed connection is reported at once, so this client decides about retries itself.
        httpConfiguration.connectionPool.retryConnectionEstablishment = false
        httpConfiguration.redirectConfiguration = .disallow
        httpConfiguration.decompression = .disabled
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: httpConfiguration)
    }

    /// Releases the connections. The client cannot be used afterwards.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    /// Sends `payload`, retrying only as ``Configuration`` allows.
    public func send(_ payload: SendMediaPayload, progress: Progress? = nil) async throws(SendMediaError)
        -> SendMediaResult
    {
        try await withRetries { (attempt: Int, deadline: NIODeadline) async throws(SendMediaError) -> SendMediaResult in
            var result = try await exchange(payload, deadline: deadline, progress: progress)
            result.attempts = attempt
            return result
        }
    }

    /// Sends `payload` with `apiKey` (a client's, passed on as it is) and returns the answer as the
    /// server gave it, whatever its status: a gateway hands it back unchanged. Only a request that
    /// provably never reached the server is tried again (``Configuration/retryOnServerError`` aside),
    /// under the same rules as ``send(_:progress:)``; no answer at all is a ``SendMediaError``.
    ///
    /// - Throws: ``SendMediaError``: `payload` when the body could not be produced, the kinds of a
    ///   request that got no answer otherwise; never for an HTTP status.
    public func forward(_ payload: SendMediaPayload, apiKey: String) async throws(SendMediaError) -> SendMediaAnswer {
        do {
            try Configuration.checkKey(apiKey)
        } catch {
            let problem = error as? WabaMediaError
            throw SendMediaError(
                kind: .payload, message: problem?.message ?? "the API key cannot be sent in a header",
                hint: problem?.hint ?? "send the key exactly as issued")
        }
        return try await withRetries {
            (_: Int, deadline: NIODeadline) async throws(SendMediaError) -> SendMediaAnswer in
            let (response, body) = try await transfer(payload, apiKey: apiKey, deadline: deadline, progress: nil)
            return SendMediaAnswer(
                status: Int(response.status.code), contentType: response.headers.first(name: "content-type"),
                body: Array(body.readableBytesView))
        }
    }

    /// Runs `attempt` (given its number and the send's deadline) until it succeeds, or fails in a way
    /// ``Configuration`` does not retry.
    private func withRetries<Value>(
        _ attempt: (Int, NIODeadline) async throws(SendMediaError) -> Value
    ) async throws(SendMediaError) -> Value {
        var number = 1
        var delay = configuration.retryDelay
        let deadline = configuration.deadline.map { NIODeadline.now() + .nanoseconds($0.nanoseconds) }
        while true {
            do {
                return try await attempt(number, deadline ?? .distantFuture)
            } catch {
                var failure = error
                failure.attempts = number
                guard number < configuration.maxAttempts, isRetryable(failure) else { throw failure }
                logger?.debug(
                    "send-media attempt failed, retrying",
                    metadata: ["attempt": "\(number)", "error": "\(failure.kind.rawValue)"])
                try? await Task.sleep(for: delay)
                if Task.isCancelled { throw failure }
                number += 1
                delay *= 2
            }
        }
    }

    private func isRetryable(_ error: SendMediaError) -> Bool {
        switch error.kind {
        case .connectionFailed: true
        case .serverError, .transport, .unknown: configuration.retryOnServerError
        default: false
        }
    }

    /// The HTTP request that posts `payload` to the endpoint with the key, its body streamed with its
    /// exact length; every chunk taken is counted in `sent` and reported to `progress`.
    private func httpRequest(
        for payload: SendMediaPayload, apiKey: String, counting sent: ProgressCounter, progress: Progress?
    ) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: configuration.endpoint)
        request.method = .POST
        request.headers.add(name: "x-api-key", value: apiKey)
        request.headers.add(name: "content-type", value: MIMEType.json.rawValue)
        request.headers.add(name: "accept", value: MIMEType.json.rawValue)
        request.headers.add(name: "user-agent", value: "wamedia")
        let total = payload.contentLength
        let chunks = payload.chunks().map { @Sendable chunk -> ByteBuffer in
            let now = sent.add(chunk.count)
            progress?(now, total)
            return ByteBuffer(bytes: chunk)
        }
        request.body = .stream(chunks, length: .known(Int64(total)))
        return request
    }

    private func exchange(_ payload: SendMediaPayload, deadline: NIODeadline, progress: Progress?)
        async throws(SendMediaError) -> SendMediaResult
    {
        let (response, body) = try await transfer(
            payload, apiKey: configuration.apiKey, deadline: deadline, progress: progress)
        let status = Int(response.status.code)
        logger?.debug("send-media answered", metadata: ["status": "\(status)"])
        let decoded = try? JSONDecoder().decode(APIResponse.self, from: Data(body.readableBytesView))
        // The server's words may echo the key: taken out before anything quotes them (and before they
        // are cut short, so no part of the key is left at the cut).
        let redaction = KeyRedaction(key: configuration.apiKey)
        guard status == 200 else {
            let raw = redaction.apply(to: String(buffer: body).trimmingCharacters(in: .whitespacesAndNewlines))
            let serverMessage =
                decoded?.message.map { redaction.apply(to: $0) } ?? (raw.isEmpty ? nil : String(raw.prefix(500)))
            var error = SendMediaError.status(status, serverMessage: serverMessage)
            error.retryAfter = SendMediaError.retryAfter(response.headers.first(name: "retry-after"))
            throw error
        }
        guard let decoded, decoded.success != false, let data = decoded.data, let messageID = data.messageID else {
            throw SendMediaError(
                kind: .invalidResponse, status: status,
                serverMessage: String(redaction.apply(to: String(buffer: body)).prefix(500)),
                message: "the API answered 200 without a message id",
                hint: "check --base-url points at the send-media API; the message may have been sent")
        }
        return SendMediaResult(
            messageID: messageID, providerID: data.providerID ?? "", mediaURL: data.mediaURL ?? "",
            threadID: data.threadID ?? "", message: decoded.message.map { redaction.apply(to: $0) } ?? "")
    }

    /// One request: `payload` posted with `apiKey`, and the answer's head and body (at most 1 MiB)
    /// whatever its status. A request that got no whole answer is classified by whether its body had
    /// started going out.
    private func transfer(_ payload: SendMediaPayload, apiKey: String, deadline: NIODeadline, progress: Progress?)
        async throws(SendMediaError) -> (HTTPClientResponse, ByteBuffer)
    {
        let total = payload.contentLength
        let sent = ProgressCounter()
        let request = httpRequest(for: payload, apiKey: apiKey, counting: sent, progress: progress)
        logger?.debug(
            "sending media", metadata: ["endpoint": "\(configuration.endpoint)", "bytes": "\(total)"])
        do {
            // The read and write timeouts guard against a silent server; the deadline, when given,
            // bounds the whole send.
            let response =
                total <= Self.unwatchedBodyLimit
                ? try await http.execute(request, deadline: deadline, logger: logger)
                : try await executeWatchingProgress(request, deadline: deadline, sent: sent, total: total)
            return (response, try await collect(response, within: configuration.readTimeout))
        } catch {
            throw classify(error, bodyStarted: sent.value > 0)
        }
    }

    /// Bodies up to this size (a URL send is a few hundred bytes) go out without a watch on their
    /// progress: the socket's send buffer takes them whole, so a server cannot leave them half-read,
    /// and the client's read timeout bounds the wait for the answer. Two tasks and a timer fewer per
    /// message count when a campaign sends a thousand a second.
    static let unwatchedBodyLimit = 16 * 1024

    /// The upload made no progress for the write timeout: the server stopped reading.
    private struct Stalled: Error {}

    /// The answer's head came but its body did not arrive whole within the read timeout.
    private struct AnswerUnfinished: Error {
        var status: Int
    }

    /// The answer's body (at most 1 MiB), which must arrive whole within `limit` of its head. The
    /// client's read timeout is per read: a server sending a byte a second would hold the send for
    /// days without this bound.
    ///
    /// The limit is a timer on an event loop, cancelled with the answer. A `Task.sleep` raced against
    /// the body would do the same, but a cancelled sleep keeps its task and timer until its deadline:
    /// a campaign sending thousands of messages a second would hold minutes' worth of them.
    private func collect(_ response: HTTPClientResponse, within limit: Duration) async throws -> ByteBuffer {
        let body = Task { try await response.body.collect(upTo: 1 << 20) }
        // Cancelling the body's task cancels its request; the connection is closed behind it.
        let timer = http.eventLoopGroup.next().scheduleTask(in: .nanoseconds(limit.nanoseconds)) { body.cancel() }
        do {
            let collected = try await withTaskCancellationHandler {
                try await body.value
            } onCancel: {
                body.cancel()
            }
            timer.cancel()
            return collected
        } catch {
            timer.cancel()
            // The timer's future succeeds only when the timer ran: the body was cut off at the limit.
            if (try? await timer.futureResult.get()) != nil {
                throw AnswerUnfinished(status: Int(response.status.code))
            }
            throw error
        }
    }

    /// Runs the request while watching the body go out: when the connection takes no more of it for
    /// the write timeout (the body's chunks are pulled only as the socket drains), the send ends at
    /// once and the request is cancelled behind it (the HTTP client may take until the connection
    /// closes to finish cancelling, which is not waited for). Once the whole body was taken, the read
    /// timeout is the client's; this watch then only bounds what no timer would (both together).
    private func executeWatchingProgress(
        _ request: HTTPClientRequest, deadline: NIODeadline, sent: ProgressCounter, total: Int
    ) async throws -> HTTPClientResponse {
        let stallLimit = configuration.writeTimeout
        let afterBodyLimit = configuration.writeTimeout + configuration.readTimeout
        let race = FirstOutcome<HTTPClientResponse>()
        let http = self.http
        let logger = self.logger
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                race.start(continuation)
                race.execution = Task {
                    do {
                        race.finish(.success(try await http.execute(request, deadline: deadline, logger: logger)))
                    } catch {
                        race.finish(.failure(error))
                    }
                }
                Task {
                    while !race.isFinished {
                        try? await Task.sleep(for: min(.milliseconds(250), stallLimit))
                        let (bytes, idle) = sent.snapshot()
                        // Before the first byte, the connect timeout is the one that counts.
                        if bytes > 0, idle > (bytes < total ? stallLimit : afterBodyLimit) {
                            race.finish(.failure(Stalled()))
                            race.execution?.cancel()
                        }
                    }
                }
            }
        } onCancel: {
            race.execution?.cancel()
        }
    }

    private func classify(_ error: any Error, bodyStarted: Bool) -> SendMediaError {
        let target = configuration.endpoint
        if error is Stalled {
            return SendMediaError(
                kind: .unknown,
                message:
                    "the server at \(target) stopped reading the body: no progress for \(configuration.writeTimeout.secondsText()) (write timeout)",
                hint: Self.mayHaveBeenSent)
        }
        if let unfinished = error as? AnswerUnfinished {
            return SendMediaError(
                kind: .unknown, status: unfinished.status,
                message:
                    "the server at \(target) answered \(unfinished.status) but did not finish its answer within \(configuration.readTimeout.secondsText()) (read timeout)",
                hint: Self.mayHaveBeenSent)
        }
        if let payloadError = error as? WabaMediaError {
            return SendMediaError(
                kind: .payload, message: "the body could not be produced: \(payloadError.message)",
                hint: payloadError.hint ?? "check the file")
        }
        if !bodyStarted, let reason = Self.unreachableReason(error) {
            return SendMediaError(
                kind: .connectionFailed, message: "cannot connect to \(target): \(reason)",
                hint: "check --base-url and that the server is running and reachable")
        }
        if let httpError = error as? HTTPClientError {
            switch httpError {
            case .connectTimeout:
                return SendMediaError(
                    kind: .transport, message: "connecting to \(target) timed out",
                    hint: "check the network and --base-url")
            case .readTimeout:
                return SendMediaError(
                    kind: .unknown,
                    message:
                        "the server at \(target) took the whole body but did not answer within \(configuration.readTimeout.secondsText()) (read timeout)",
                    hint: Self.mayHaveBeenSent)
            case .deadlineExceeded:
                let limit = configuration.deadline.map { $0.secondsText() } ?? "its deadline"
                return bodyStarted
                    ? SendMediaError(
                        kind: .unknown, message: "the send to \(target) did not finish within \(limit) (deadline)",
                        hint: Self.mayHaveBeenSent)
                    : SendMediaError(
                        kind: .transport, message: "the send to \(target) did not start within \(limit) (deadline)",
                        hint:
                            "the message was not sent: check the network and --base-url, or allow more with --deadline")
            default:
                break
            }
        }
        let reason = Self.describe(error)
        return bodyStarted
            ? SendMediaError(
                kind: .unknown, message: "the request to \(target) failed after the body started going out: \(reason)",
                hint: Self.mayHaveBeenSent)
            : SendMediaError(
                kind: .transport, message: "the request to \(target) failed: \(reason)",
                hint: "the message was not sent: check the network and --base-url")
    }

    static let mayHaveBeenSent =
        "the server may have the request, so the message may or may not have been sent: check the conversation before sending again"

    /// An error in words. The HTTP client's own errors are named by their code only: some carry
    /// request header values (`invalidHeaderFieldValues`), and a header may be the API key.
    static func describe(_ error: any Error) -> String {
        if let httpError = error as? HTTPClientError {
            if httpError == .remoteConnectionClosed { return "the server closed the connection" }
            if httpError == .cancelled { return "the request was cancelled" }
            if httpError == .bodyLengthMismatch { return "the body's length did not match its Content-Length" }
            // `HTTPClientError.invalidHeaderFieldValues(["…"])`: the name, never what is in brackets.
            let name = String(describing: httpError).prefix { $0 != "(" }
            return name.hasPrefix("HTTPClientError.invalidHeaderField")
                ? "a request header has characters HTTP does not allow (\(name))" : String(name)
        }
        return String(describing: error)
    }

    /// Why the server could not be reached, when the error proves the request never left:
    /// connection refused, or the name did not resolve.
    static func unreachableReason(_ error: any Error) -> String? {
        if let connection = error as? NIOConnectionError {
            if connection.connectionErrors.isEmpty, connection.dnsAError != nil || connection.dnsAAAAError != nil {
                return "the host name \(connection.host) does not resolve"
            }
            if !connection.connectionErrors.isEmpty,
                connection.connectionErrors.allSatisfy({ ($0.error as? IOError)?.errnoCode == ECONNREFUSED })
            {
                return "connection refused"
            }
        }
        if let io = error as? IOError, io.errnoCode == ECONNREFUSED { return "connection refused" }
        if let channel = error as? ChannelError, case .connectTimeout = channel { return nil }
        return nil
    }
}

/// The API's answer, as loosely as the contract allows.
private struct APIResponse: Decodable {
    var success: Bool?
    var message: String?
    var data: Payload?

    struct Payload: Decodable {
        var messageID: String?
        var providerID: String?
        var mediaURL: String?
        var threadID: String?

        enum CodingKeys: String, CodingKey {
            case messageID = "message_id"
            case providerID = "provider_id"
            case mediaURL = "media_url"
            case threadID = "thread_id"
        }
    }
}

/// Whichever of the request and the stall watch ends first resumes the send; the other is ignored.
private final class FirstOutcome<Value: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<Value, any Error>?>(nil)
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// The request's task, to cancel when the watch or the caller gives up.
    var execution: Task<Void, Never>? {
        get { task.withLock { $0 } }
        set { task.withLock { $0 = newValue } }
    }

    var isFinished: Bool { continuation.withLock { $0 == nil } }

    func start(_ waiting: CheckedContinuation<Value, any Error>) {
        continuation.withLock { $0 = waiting }
    }

    func finish(_ result: Result<Value, any Error>) {
        continuation.withLock { waiting in
            waiting?.resume(with: result)
            waiting = nil
        }
    }
}

/// Bytes handed to the connection so far, and when the last were, shared with the body's stream.
private final class ProgressCounter: Sendable {
    private let state = Mutex((count: 0, lastChange: ContinuousClock.now))

    func add(_ bytes: Int) -> Int {
        state.withLock { state in
            state.count += bytes
            state.lastChange = .now
            return state.count
        }
    }

    /// The bytes so far and how long ago the last were taken.
    func snapshot() -> (bytes: Int, idle: Duration) {
        state.withLock { ($0.count, .now - $0.lastChange) }
    }

    var value: Int { state.withLock { $0.count } }
}
