import Foundation
import Hummingbird
import NIOCore
import WabaMedia

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `POST /v1/check`: a file judged as `send` would judge it, for tools that only validate (a CMS
/// checking uploads). The file is the raw body; the query may give `media_type`, `file_name` (the
/// name the recipient would see) and `caption`. The answer is the report `wamedia check --format
/// json` gives for the file, 200 whatever its verdict, which `Wamedia-Verdict` also says. Nothing is
/// sent anywhere, and the body is not kept after the answer.
struct CheckEndpoint: Sendable {
    let configuration: GatewayConfiguration
    /// `wamedia check`'s own: images proven whole from their structure, an input a transcode would
    /// read decoded by ffmpeg, planned with the gateway's preparation options.
    let checker: MediaChecker
    let executor: BlockingExecutor

    init(configuration: GatewayConfiguration, detector: MIMEDetector, executor: BlockingExecutor) throws {
        self.configuration = configuration
        self.executor = executor
        var checker = try MediaChecker(
            profile: configuration.profile, detector: detector, preparation: configuration.preparation.planning)
        let transcode = configuration.preparation.transcode
        checker.ffmpegLookup = { await transcode.capabilities() }
        self.checker = checker
    }

    func handle(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        var mediaType: WabaMedia.MediaType?
        if let name = query["media_type"].map(String.init) {
            guard let type = WabaMedia.MediaType(rawValue: name) else {
                throw GatewayError(
                    400, .invalidRequest,
                    "media_type must be one of \(WabaMedia.MediaType.allCases.map(\.rawValue).joined(separator: ", ")), not '\(name)'"
                )
            }
            mediaType = type
        }
        let fileName = query["file_name"].map(String.init)
        let caption = query["caption"].map(String.init)
        let folder = try await executor.run { [configuration] in
            try TemporaryFolder(in: configuration.temporaryDirectory)
        }
        let outcome: Result<ValidationReport, any Error>
        do {
            let path = try await Self.store(
                request.body, contentLength: request.headers[.contentLength].flatMap { Int($0) },
                limit: configuration.maxMediaBytes, in: folder.path)
            let checker = self.checker
            let inspection = try await executor.run { try checker.inspector.inspect(path: path) }
            var report = await checker.judge(inspection, as: mediaType, caption: caption, named: fileName)
            // The report names the file as the client does, never the gateway's temporary path.
            report.inspection.file = fileName ?? ReceivedBody.uploadName
            outcome = .success(report)
        } catch {
            outcome = .failure(error)
        }
        await executor.runToEnd { folder.remove() }
        let report = try outcome.get()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/json; charset=utf-8", .cacheControl: "no-store",
                .wamediaVerdict: report.verdict.rawValue,
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(report))))
    }

    /// Writes the body to a file of `folder` as it arrives; refuses one over `limit` bytes (413)
    /// before reading it when its length is announced, else as soon as it passes the limit.
    private static func store(_ body: RequestBody, contentLength: Int?, limit: Int, in folder: String) async throws
        -> String
    {
        if let contentLength, contentLength > limit { throw tooLarge(limit: limit) }
        let path = "\(folder)/\(ReceivedBody.uploadName)"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw GatewayError(
                500, .preparationFailed, "the upload cannot be stored: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var received = 0
        for try await chunk in body {
            received += chunk.readableBytes
            if received > limit { throw tooLarge(limit: limit) }
            try chunk.withUnsafeReadableBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    guard written > 0 else {
                        throw GatewayError(
                            500, .preparationFailed,
                            "the upload cannot be stored: \(String(cString: strerror(errno)))")
                    }
                    offset += written
                }
            }
        }
        guard received > 0 else {
            throw GatewayError(400, .invalidRequest, "the body is empty: send the file's bytes as the body")
        }
        return path
    }

    private static func tooLarge(limit: Int) -> GatewayError {
        var error = GatewayError(
            413, .bodyTooLarge, "the file is over the \(limit)-byte limit of the largest media the profile takes",
            hint: "no media type takes a larger file")
        error.closesConnection = true
        return error
    }
}
