import Foundation
import Hummingbird
import NIOCore
import WabaMedia
import WabaRequestBody

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A send-media body as it was taken in: the small fields, and the media as a URL or as the file its
/// base64 was decoded into while it arrived (the body is never held whole).
struct ReceivedBody: Sendable {
    var fields: [String: SendMediaBodyParser.FieldValue]
    var media: SendMediaBodyParser.MediaData?
    /// Where base64 media was decoded to, when there was some.
    var uploadPath: String?

    /// The name the decoded upload gets inside the request's folder.
    static let uploadName = "upload"

    /// Reads `body` through the parser, decoding base64 media into `folder` as it arrives. A body
    /// whose Content-Length is over `limit` is refused before any of it is read, one that passes it
    /// while it arrives as soon as it does (413, the connection closed).
    ///
    /// - Throws: ``GatewayError``: 413 over the limit, 400 `invalid_media_data` for bad base64,
    ///   400 `invalid_request` for any other body that is not a send-media request. What reading
    ///   the body throws (a client that went away) is thrown as it is.
    static func read(
        _ body: RequestBody, contentLength: Int?, limit: Int, into folder: String
    ) async throws -> ReceivedBody {
        if let contentLength, contentLength > limit { throw tooLarge(limit: limit) }
        let path = "\(folder)/\(uploadName)"
        var descriptor: Int32 = -1
        defer { if descriptor >= 0 { close(descriptor) } }
        var uploadPath: String?
        var parser = SendMediaBodyParser(openMediaFile: {
            descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else {
                throw SendMediaBodyError(.storage, "the upload cannot be stored: \(String(cString: strerror(errno)))")
            }
            uploadPath = path
            return descriptor
        })
        var received = 0
        do {
            for try await chunk in body {
                received += chunk.readableBytes
                if received > limit { throw tooLarge(limit: limit) }
                try chunk.withUnsafeReadableBytes { try parser.feed($0) }
            }
            try parser.finish()
        } catch let error as SendMediaBodyError {
            throw refusal(error)
        }
        return ReceivedBody(fields: parser.fields, media: parser.media, uploadPath: uploadPath)
    }

    private static func tooLarge(limit: Int) -> GatewayError {
        var error = GatewayError(
            413, .bodyTooLarge, "the body is over the gateway's \(limit)-byte limit",
            hint: "the largest file the profile allows, as base64, fits: send a smaller file, or a link to it")
        error.closesConnection = true
        return error
    }

    /// A body that is not a request; the rest of it is not read, so the connection closes.
    private static func refusal(_ error: SendMediaBodyError) -> GatewayError {
        var refusal: GatewayError
        switch error.kind {
        case .invalidMediaData:
            refusal = GatewayError(
                400, .invalidMediaData, error.message,
                hint: "send standard base64 (RFC 4648: A-Z a-z 0-9 + /, padded with =, no line breaks)")
        case .malformed:
            refusal = GatewayError(400, .invalidRequest, error.message)
        case .storage:
            refusal = GatewayError(500, .preparationFailed, error.message)
        }
        refusal.closesConnection = true
        return refusal
    }
}
