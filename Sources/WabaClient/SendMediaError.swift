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
        /// The request failed before its body started going out (a connect timeout, a TLS failure).
        case transport
        /// The body went out, at least in part, and no answer came: the server stopped reading, did
        /// not answer in time, or the connection broke. The server may have the request, so the
        /// message may or may not have been sent.
        case unknown
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
    /// How long the server asked to wait before sending again (its `Retry-After`, in seconds), when it
    /// said (a 429 or 503 usually).
    public var retryAfter: Duration?

    public init(
        kind: Kind, status: Int? = nil, serverMessage: String? = nil, message: String, hint: String, attempts: Int = 1,
        retryAfter: Duration? = nil
    ) {
        self.kind = kind
        self.status = status
        self.serverMessage = serverMessage
        self.message = message
        self.hint = hint
        self.attempts = attempts
        self.retryAfter = retryAfter
    }

    /// `Retry-After` as a number of seconds (the HTTP-date form is not used by the API and is ignored),
    /// at most an hour.
    static func retryAfter(_ value: String?) -> Duration? {
        guard let value, let seconds = Double(value.trimmingCharacters(in: .whitespaces)), seconds >= 0,
            seconds.isFinite
        else { return nil }
        return .milliseconds(Int64(min(seconds, 3600) * 1000))
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
        case 413:
            return SendMediaError(
                kind: .unexpectedStatus, status: status, serverMessage: serverMessage,
                message: "the server refused the body as too large (413)\(said)",
                hint:
                    "the server in front of the API limits uploads: send a smaller file (`wamedia prepare` shrinks images), or host it and send its https URL"
            )
        case 408, 429:
            return SendMediaError(
                kind: .unexpectedStatus, status: status, serverMessage: serverMessage,
                message: "the server refused the request for now (\(status))\(said)",
                hint: "wait and send again; the message was not sent")
        case 300...399:
            return SendMediaError(
                kind: .unexpectedStatus, status: status, serverMessage: serverMessage,
                message: "the API answered with a redirect (\(status)), which is not followed\(said)",
                hint:
                    "check --base-url: give the API's own origin, e.g. \(SendMediaClient.Configuration.defaultBaseURL)")
        case 405, 501:
            return SendMediaError(
                kind: .unexpectedStatus, status: status, serverMessage: serverMessage,
                message: "the server does not take this request (\(status))\(said)",
                hint: "check --base-url points at the send-media API")
        default:
            return SendMediaError(
                kind: .unexpectedStatus, status: status, serverMessage: serverMessage,
                message: "the API answered with status \(status)\(said)",
                hint: "see the server's message; the message was probably not sent")
        }
    }
}
