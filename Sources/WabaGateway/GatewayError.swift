import Foundation
import Hummingbird
import NIOCore
import WabaMedia

/// An answer the gateway gives itself, in the API's error shape (`success: false`, `message`) with a
/// stable `code` a client can match on, and for a file that cannot be sent its `findings`.
struct GatewayError: HTTPResponseError, Sendable {
    /// Stable codes: scripts match on them.
    enum Code: String, Sendable {
        /// The body is not a send-media request (not JSON, a field missing or mistyped).
        case invalidRequest = "invalid_request"
        /// `media_data` is not valid base64; the message says where.
        case invalidMediaData = "invalid_media_data"
        /// The file cannot be sent as its `media_type`, and nothing makes it conform: see `findings`.
        case mediaRejected = "media_rejected"
        /// A `media_data` link points where the platform could not fetch from (or this gateway must not look).
        case linkRefused = "link_refused"
        /// The body is over the gateway's limit.
        case bodyTooLarge = "body_too_large"
        /// No `x-api-key`: there is nothing to pass upstream.
        case missingAPIKey = "missing_api_key"
        /// The gateway's own client token is missing or wrong.
        case unauthorized
        /// The upstream could not be reached: nothing was sent.
        case upstreamUnreachable = "upstream_unreachable"
        /// The request went out, at least in part, and no answer came: the message may have been sent.
        case upstreamNoAnswer = "upstream_no_answer"
        /// The file could not be prepared, or stored, on the gateway's side.
        case preparationFailed = "preparation_failed"
        /// No report is kept for that request id (never made, or gone after a while).
        case reportNotFound = "report_not_found"
    }

    let code: Code
    let httpStatus: Int
    let message: String
    var hint: String?
    var findings: [Finding] = []
    /// Headers besides the content type (`Wamedia-Request-Id`, `Wamedia-Verdict`).
    var headers: HTTPFields = [:]
    /// The answer comes before the body was read to its end: the connection closes after it.
    var closesConnection = false

    init(_ httpStatus: Int, _ code: Code, _ message: String, hint: String? = nil) {
        self.httpStatus = httpStatus
        self.code = code
        self.message = message
        self.hint = hint
    }

    var status: HTTPResponse.Status { HTTPResponse.Status(code: httpStatus) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        if closesConnection { headers[.connection] = "close" }
        return Response(
            status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: jsonBody())))
    }

    /// `{"success": false, "message": …, "code": …, "hint": …, "findings": [{code, message, hint}]}`.
    func jsonBody() -> Data {
        struct Body: Encodable {
            var success = false
            var message: String
            var code: String
            var hint: String?
            var findings: [FindingBody]?
        }
        struct FindingBody: Encodable {
            var code: String
            var severity: String
            var message: String
            var hint: String
        }
        let body = Body(
            message: message, code: code.rawValue, hint: hint,
            findings: findings.isEmpty
                ? nil
                : findings.map {
                    FindingBody(
                        code: $0.code.rawValue, severity: $0.severity.rawValue, message: $0.message, hint: $0.hint)
                })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(body)) ?? Data(#"{"success":false}"#.utf8)
    }
}
