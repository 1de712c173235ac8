import Foundation
import Hummingbird
import NIOCore
import WabaMedia

/// A send-media answer other than an accepted message, in the contract's error shape
/// (`{"message": …, "success": false}`). The middleware and the handler throw it; the router turns it
/// into the response, and the recording middleware writes it down on its way out.
struct SandboxHTTPError: HTTPResponseError, Sendable {
    /// What the ledger counts the answer as.
    enum Kind: Sendable, Equatable {
        /// A request the contract refuses (4xx).
        case refused
        /// A failure on the sandbox's own side.
        case serverError
        /// A failure made on purpose by the fault injection.
        case injected
        /// Over the rate limit (429).
        case rateLimited
    }

    /// The status, as a number: a `x-sandbox-fail` header can ask for any.
    let code: Int
    /// The answer's `message`, shown to the client as it is.
    let message: String
    let kind: Kind
    /// Headers the answer carries besides its content type (`Retry-After`).
    var headers: HTTPFields = [:]
    /// Whether the answer comes before the body was read to its end: the connection then closes after
    /// it, so a refused upload is not read on.
    var closesConnection = false

    /// - Parameter kind: nil counts a 5xx as the sandbox's own failure and anything else as refused.
    init(_ code: Int, _ message: String, kind: Kind? = nil) {
        self.code = code
        self.message = message
        self.kind = kind ?? (code >= 500 ? .serverError : .refused)
    }

    /// 413: the body is over `limit`, as announced or as read so far.
    static func tooLarge(announced: Int?, limit: Int) -> SandboxHTTPError {
        var error = SandboxHTTPError(
            413,
            announced.map { "the body is \($0) bytes, over the \(limit)-byte limit" }
                ?? "the body is over the \(limit)-byte limit")
        error.closesConnection = true
        return error
    }

    var status: HTTPResponse.Status { HTTPResponse.Status(code: code) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = Response.sandboxJSON(code, ["success": false, "message": message])
        response.headers.append(contentsOf: headers)
        if closesConnection { response.headers[.connection] = "close" }
        return response
    }
}

extension Response {
    /// A send-media answer: `object` as JSON with sorted keys and unescaped slashes.
    static func sandboxJSON(_ code: Int, _ object: [String: Any]) -> Response {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return Response(
            status: HTTPResponse.Status(code: code),
            headers: [.contentType: MIMEType.json.utf8ContentType],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
