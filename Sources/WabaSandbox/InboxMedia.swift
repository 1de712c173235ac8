import Foundation
import Hummingbird
import WabaMedia

/// Serves stored uploads back, as the platform's media URLs would: the type from the content,
/// `Content-Length`, and byte ranges (`206`, `416`), so a browser can seek in a video.
struct InboxMedia: Sendable {
    /// Where uploads are kept, one folder per message (`msg-…/NAME`).
    let store: String
    let detector: MIMEDetector

    /// The upload for `/media/{id}/{name}`, or nil when the names could lead outside the store or
    /// to anything but an upload (the message's metadata is never served).
    func path(id: String, name: String) -> String? {
        guard id.hasPrefix("msg-"), !id.contains("/"), !id.contains(".."), StoredUpload.isUploadName(name)
        else { return nil }
        let path = URL(fileURLWithPath: store).appendingPathComponent(id).appendingPathComponent(name).path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// The answer for a `GET` (or, with `includeBody` false, a `HEAD`) of a stored file.
    func response(path: String, range: String?, includeBody: Bool, context: some RequestContext) async throws
        -> Response
    {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let mime = (try? detector.detect(path: path).mime) ?? .octetStream
        // An upload opened on its own (not as an <img> or <video> of the inbox) is a sandboxed
        // document: whatever it holds runs no script on the inbox's origin.
        var headers: HTTPFields = [
            .contentType: mime.rawValue, .acceptRanges: "bytes", .cacheControl: "no-store",
            .init("X-Content-Type-Options")!: "nosniff", .contentSecurityPolicy: "sandbox; default-src 'none'",
        ]
        switch Self.byteRange(range, size: size) {
        case .whole:
            headers[.contentLength] = String(size)
            let body =
                includeBody && size > 0 ? try await FileIO().loadFile(path: path, context: context) : ResponseBody()
            return Response(status: .ok, headers: headers, body: body)
        case .part(let part):
            headers[.contentLength] = String(part.count)
            headers[.contentRange] = "bytes \(part.lowerBound)-\(part.upperBound)/\(size)"
            let body =
                includeBody ? try await FileIO().loadFile(path: path, range: part, context: context) : ResponseBody()
            return Response(status: .partialContent, headers: headers, body: body)
        case .unsatisfiable:
            headers[.contentRange] = "bytes */\(size)"
            headers[.contentLength] = "0"
            return Response(status: .rangeNotSatisfiable, headers: headers)
        }
    }

    enum ByteRange: Equatable {
        case whole
        case part(ClosedRange<Int>)
        case unsatisfiable
    }

    /// Reads a `Range` header (RFC 9110 §14.1.2). One range is honoured; several, or a header that
    /// does not parse, get the whole file, which the RFC allows.
    static func byteRange(_ header: String?, size: Int) -> ByteRange {
        guard let header = header?.trimmingCharacters(in: .whitespaces), header.lowercased().hasPrefix("bytes=")
        else { return .whole }
        let spec = header.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .whole }
        let first = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        if first.isEmpty {
            // A suffix: the last N bytes.
            guard let count = Int(last) else { return .whole }
            guard count > 0, size > 0 else { return .unsatisfiable }
            return .part(max(0, size - count)...(size - 1))
        }
        guard let start = Int(first), start >= 0 else { return .whole }
        guard start < size else { return .unsatisfiable }
        if last.isEmpty { return .part(start...(size - 1)) }
        guard let end = Int(last), end >= start else { return .whole }
        return .part(start...min(end, size - 1))
    }
}
