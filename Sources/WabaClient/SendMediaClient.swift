import AsyncHTTPClient
import Foundation
public import Logging
import NIOCore
import NIOPosix
import Synchronization
public import WabaMedia

/// What the API answered for a message it accepted.
public struct SendMediaResult: Sendable, Hashable, Codable {
    public var messageID: String
    /// WhatsApp's own message id (`wamid.…`).
    public var providerID: String
    /// Where the media is stored: the given URL, or the platform's storage URL for an upload.
    public var mediaURL: String
    public var threadID: String
    /// The server's own words (`Media enviado y guardado`).
    public var message: String
    /// How many attempts it took (more than 1 only after retries).
    public var attempts: Int

    public init(
        messageID: String, providerID: String, mediaURL: String, threadID: String, message: String, attempts: Int = 1
    ) {
        self.messageID = messageID
        self.providerID = providerID
        self.mediaURL = mediaURL
        self.threadID = threadID
        self.message = message
        self.attempts = attempts
    }

    enum CodingKeys: String, CodingKey {
        case message, attempts
        case messageID = "message_id"
        case providerID = "provider_id"
        case mediaURL = "media_url"
        case threadID = "thread_id"
    }
}

/// A send that failed: an HTTP error status, or no answer at all.
///
/// Always carries what happened, the server's own message when there was one, and what to do.
public struct SendMediaError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// 400: a field is missing or wrong, or the media is invalid.
        case badRequest = "bad-request"
        /// 401: the API key is missing or wrong.
        case unauthorized
        /// 404: the contact (or thread) does not exist.
        case notFound = "not-found"
        /// 500: the platform's upload or Meta's API failed.
        case serverError = "server-error"
        /// Any other status.
        case unexpectedStatus = "unexpected-status"
        /// 200 with a body that is not the API's answer.
        case invalidResponse = "invalid-response"
        /// The server could not be reached: the request never went out.
        case connectionFailed = "connection-failed"
        /// The request went out but no complete answer came back in time, or the connection broke.
        case transport
        /// The body could not be produced (the file could not be read).
        case payload
    }

    public var kind: Kind
    /// The HTTP status, when the server answered.
    public var status: Int?
    /// The server's message: its JSON `message`, or the raw text of the body.
    public var serverMessage: String?
    /// What went wrong, in one line.
    public var message: String
    /// What the user can do about it.
    public var hint: String
    /// How many attempts were made.
    public var attempts: Int

    public init(
        kind: Kind, status: Int? = nil, serverMessage: String? = nil, message: String, hint: String, attempts: Int = 1
    ) {
        self.kind = kind
        self.status = status
        self.serverMessage = serverMessage
        self.message = message
        self.hint = hint
        self.attempts = attempts
    }

    public var description: String { "\(message) (\(hint))" }

    /// The error for an HTTP status other than 200, with the server's words.
    static func status(_ status: Int, serverMessage: String?) -> SendMediaError {
        let said = serverMessage.map { ": \($0)" } ?? ""
        switch status {
        case 400:
            return SendMediaError(
                kind: .badRequest, status: status, serverMessage: serverMessage,
                message: "the API refused the request (400)\(said)",
                hint: "check the fields and the media; `wamedia check` shows what is wrong with a file")
        case 401:
            return SendMediaError(
                kind: .unauthorized, status: status, serverMessage: serverMessage,
                message: "the API key was refused (401)\(said)",
                hint: "give a valid key with --api-key or WAMEDIA_API_KEY")
        case 404:
            return SendMediaError(
                kind: .notFound, status: status, serverMessage: serverMessage,
                message: "the contact or thread does not exist (404)\(said)",
                hint: "check --contact (a contact UUID) or --thread")
        case 500...599:
            return SendMediaError(
                kind: .serverError, status: status, serverMessage: serverMessage,
                message: "the platform failed (\(status))\(said)",
                hint:
                    "the message may or may not have gone out: check the conversation before sending again (--retry-on-server-error retries automatically)"
            )
        default:
            return SendMediaError(
                kind: .unexpectedStatus, status: status, serverMessage: serverMessage,
                message: "the API answered with status \(status)\(said)",
                hint: "check --base-url points at the send-media API")
        }
    }
}

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
        /// How many times to try a request that provably never reached the server.
        public var maxAttempts: Int
        /// The wait before the first retry; doubled for each further one.
        public var retryDelay: Duration
        /// Also retry after the body went out (5xx, broken connection). The call is not idempotent:
        /// a retry can send the message twice.
        public var retryOnServerError: Bool

        public static let defaultBaseURL = "https://api.contactship.ai"
        public static let path = "/v1/waba/send-media"

        public init(
            baseURL: String = defaultBaseURL, apiKey: String, connectTimeout: Duration = .seconds(10),
            readTimeout: Duration = .seconds(120), maxAttempts: Int = 3, retryDelay: Duration = .milliseconds(250),
            retryOnServerError: Bool = false
        ) {
            self.baseURL = baseURL
            self.apiKey = apiKey
            self.connectTimeout = connectTimeout
            self.readTimeout = readTimeout
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
    }

    /// Called as the body goes out with (bytes handed to the connection, total bytes).
    public typealias Progress = @Sendable (_ sent: Int, _ total: Int) -> Void

    public let configuration: Configuration
    private let http: HTTPClient
    private let logger: Logger?

    /// - Parameter logger: where requests are logged (at debug; never the key). Nothing is logged when nil.
    /// - Throws: ``WabaMediaError`` `invalid-argument` for a base URL that is not http(s) or an empty key.
    public init(configuration: Configuration, logger: Logger? = nil) throws {
        let lower = configuration.baseURL.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), URL(string: configuration.baseURL) != nil
        else {
            throw WabaMediaError(
                .invalidArgument, "the base URL \(configuration.baseURL) is not an http(s) URL",
                hint: "give one like \(Configuration.defaultBaseURL) with --base-url or WAMEDIA_BASE_URL")
        }
        guard !configuration.apiKey.isEmpty else {
            throw WabaMediaError(
                .invalidArgument, "no API key was given", hint: "give one with --api-key or WAMEDIA_API_KEY")
        }
        self.configuration = configuration
        self.logger = logger
        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.timeout = .init(
            connect: .nanoseconds(Int64(configuration.connectTimeout.nanoseconds)),
            read: .nanoseconds(Int64(configuration.readTimeout.nanoseconds)))
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
        var attempt = 1
        var delay = configuration.retryDelay
        while true {
            do {
                var result = try await sendOnce(payload, progress: progress)
                result.attempts = attempt
                return result
            } catch {
                var failure = error
                failure.attempts = attempt
                guard attempt < configuration.maxAttempts, isRetryable(failure) else { throw failure }
                logger?.debug(
                    "send-media attempt failed, retrying",
                    metadata: ["attempt": "\(attempt)", "error": "\(failure.kind.rawValue)"])
                try? await Task.sleep(for: delay)
                if Task.isCancelled { throw failure }
                attempt += 1
                delay *= 2
            }
        }
    }

    private func isRetryable(_ error: SendMediaError) -> Bool {
        switch error.kind {
        case .connectionFailed: true
        case .serverError, .transport: configuration.retryOnServerError
        default: false
        }
    }

    private func sendOnce(_ payload: SendMediaPayload, progress: Progress?) async throws(SendMediaError)
        -> SendMediaResult
    {
        var request = HTTPClientRequest(url: configuration.endpoint)
        request.method = .POST
        request.headers.add(name: "x-api-key", value: configuration.apiKey)
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "accept", value: "application/json")
        request.headers.add(name: "user-agent", value: "wamedia")
        let total = payload.contentLength
        let sent = ProgressCounter()
        let chunks = payload.chunks().map { @Sendable chunk -> ByteBuffer in
            let now = sent.add(chunk.count)
            progress?(now, total)
            return ByteBuffer(bytes: chunk)
        }
        request.body = .stream(chunks, length: .known(Int64(total)))
        logger?.debug(
            "sending media", metadata: ["endpoint": "\(configuration.endpoint)", "bytes": "\(total)"])

        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            // The read timeout guards against a silent server; the deadline only against a stuck request.
            response = try await http.execute(request, deadline: .distantFuture, logger: logger)
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw classify(error, bodyStarted: sent.value > 0)
        }
        let status = Int(response.status.code)
        logger?.debug("send-media answered", metadata: ["status": "\(status)"])
        let decoded = try? JSONDecoder().decode(APIResponse.self, from: Data(body.readableBytesView))
        guard status == 200 else {
            let raw = String(buffer: body).trimmingCharacters(in: .whitespacesAndNewlines)
            let serverMessage = decoded?.message ?? (raw.isEmpty ? nil : String(raw.prefix(500)))
            throw SendMediaError.status(status, serverMessage: serverMessage)
        }
        guard let decoded, decoded.success != false, let data = decoded.data, let messageID = data.message_id else {
            throw SendMediaError(
                kind: .invalidResponse, status: status,
                serverMessage: String(String(buffer: body).prefix(500)),
                message: "the API answered 200 without a message id",
                hint: "check --base-url points at the send-media API; the message may have been sent")
        }
        return SendMediaResult(
            messageID: messageID, providerID: data.provider_id ?? "", mediaURL: data.media_url ?? "",
            threadID: data.thread_id ?? "", message: decoded.message ?? "")
    }

    private func classify(_ error: any Error, bodyStarted: Bool) -> SendMediaError {
        let target = configuration.endpoint
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
                    kind: .transport, message: "the server at \(target) stopped answering (read timeout)",
                    hint: "the message may have been sent: check the conversation before sending again")
            default:
                break
            }
        }
        return SendMediaError(
            kind: .transport,
            message:
                "the request to \(target) failed\(bodyStarted ? " after the body started going out" : ""): \(error)",
            hint: bodyStarted
                ? "the message may have been sent: check the conversation before sending again"
                : "check the network and --base-url")
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
        var message_id: String?
        var provider_id: String?
        var media_url: String?
        var thread_id: String?
    }
}

/// Bytes handed to the connection so far, shared with the body's stream.
private final class ProgressCounter: Sendable {
    private let count = Mutex(0)

    func add(_ bytes: Int) -> Int {
        count.withLock { count in
            count += bytes
            return count
        }
    }

    var value: Int { count.withLock { $0 } }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
