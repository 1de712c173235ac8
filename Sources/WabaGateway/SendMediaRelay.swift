import Foundation
import Hummingbird
import Logging
import NIOCore
import WabaClient
import WabaMedia
import WabaRequestBody

/// `POST /v1/waba/send-media` in front of the real one: the body is taken in as it arrives (base64
/// media decoded into a file of the request's own folder), the file goes through the one preparation
/// path with the request's `media_type`, `content` and `file_name`, and what it made goes upstream as
/// a streamed body with the client's key. The upstream's status and body come back unchanged, with
/// headers that say what was done; a file that cannot be sent is answered here and nothing goes up.
struct SendMediaRelay: Sendable {
    let configuration: GatewayConfiguration
    let preparer: MediaPreparer
    let client: SendMediaClient
    let reports: ReportShelf
    let logger: Logger

    private var executor: BlockingExecutor { preparer.executor }

    func handle(_ request: Request) async throws -> Response {
        let requestID = "req-" + UUID().uuidString.lowercased()
        var logger = self.logger
        logger[metadataKey: "request_id"] = "\(requestID)"
        let started = ContinuousClock.now
        var report: GatewayReport?
        do {
            let response = try await relay(request, requestID: requestID, report: &report)
            report?.upstreamStatus = Int(response.status.code)
            logger.info(
                "send-media passed upstream",
                metadata: [
                    "status": "\(response.status.code)", "action": "\(report?.action ?? "")",
                    "verdict": "\(report?.verdict?.rawValue ?? "")", "bytes_out": "\(report?.bytesOut ?? 0)",
                    "elapsed_ms": "\(Self.milliseconds(since: started))",
                ])
            if let report { reports.keep(report) }
            return response
        } catch var error as GatewayError {
            error.headers[.wamediaRequestID] = requestID
            if let verdict = report?.verdict { error.headers[.wamediaVerdict] = verdict.rawValue }
            report?.refusal = error.code.rawValue
            logger.info(
                "send-media answered by the gateway",
                metadata: [
                    "status": "\(error.httpStatus)", "code": "\(error.code.rawValue)",
                    "elapsed_ms": "\(Self.milliseconds(since: started))",
                ])
            if let report { reports.keep(report) }
            throw error
        } catch {
            // Not an answer of the gateway's own: the client went away mid-upload (nothing was sent,
            // its folder is gone), or the request's task was cancelled. Only the error's type is
            // logged: a body's error could quote what the client sent.
            logger.info("send-media request ended before an answer", metadata: ["error": "\(type(of: error))"])
            throw error
        }
    }

    private func relay(_ request: Request, requestID: String, report: inout GatewayReport?) async throws -> Response {
        let contentType = request.headers[.contentType]
        guard contentType.map(MIMEType.init(canonicalising:)) == .json else {
            var error = GatewayError(
                400, .invalidRequest,
                "Content-Type must be application/json, not \(contentType.map { "'\($0)'" } ?? "missing")")
            error.closesConnection = true
            throw error
        }
        guard let apiKey = request.headers[.apiKey], !apiKey.isEmpty else {
            var error = GatewayError(
                401, .missingAPIKey, "API key is missing: send it in the x-api-key header",
                hint: "the gateway passes the key to the upstream API as it is")
            error.closesConnection = true
            throw error
        }
        let folder = try await executor.run { [configuration] in
            try TemporaryFolder(in: configuration.temporaryDirectory)
        }
        let outcome: Result<Response, any Error>
        do {
            let body = try await ReceivedBody.read(
                request.body, contentLength: request.headers[.contentLength].flatMap { Int($0) },
                limit: configuration.bodyLimit, into: folder.path)
            let fields = try RequestFields(body.fields)
            switch body.media {
            case nil:
                throw RequestFields.invalid("media_data is required")
            case .url(let url) where url.isEmpty:
                throw GatewayError(400, .invalidMediaData, "media_data is empty")
            case .url(let url):
                report = GatewayReport(
                    requestID: requestID, receivedAt: Date(), mediaType: fields.mediaType, mediaKind: "url",
                    action: Self.linkAction)
                outcome = .success(
                    try await passLink(url, fields: fields, apiKey: apiKey, requestID: requestID, report: &report))
            case .base64(let decodedBytes):
                guard let path = body.uploadPath, decodedBytes > 0 else {
                    throw GatewayError(400, .invalidMediaData, "media_data is empty")
                }
                report = GatewayReport(
                    requestID: requestID, receivedAt: Date(), mediaType: fields.mediaType, mediaKind: "base64",
                    action: "", bytesIn: decodedBytes)
                outcome = .success(
                    try await prepareAndPass(
                        at: path, fields: fields, apiKey: apiKey, requestID: requestID, report: &report))
            }
        } catch {
            outcome = .failure(error)
        }
        await executor.runToEnd { folder.remove() }
        return try outcome.get()
    }

    /// What `Wamedia-Action` says for a link passed on unchanged.
    static let linkAction = "link"

    // MARK: - Files

    private func prepareAndPass(
        at path: String, fields: RequestFields, apiKey: String, requestID: String, report: inout GatewayReport?
    ) async throws -> Response {
        let message = fields.message
        try checkFields(message.request(fields.mediaType, .file(path: path), fileName: message.fileName))
        let profile = configuration.profile
        let (client, executor) = (self.client, self.executor)
        let prepared: (Response, PreparedSummary)
        do {
            prepared = try await preparer.withPreparedMedia(
                at: path, as: fields.mediaType, caption: message.content, fileName: message.fileName
            ) { media in
                let name = try await executor.run {
                    try FileNamer(profile: profile).infer(
                        userFileName: message.fileName, mime: media.mime, mediaType: media.report.mediaType,
                        contentDigest: { try FileNamer.shortDigest(of: media.media) })
                }
                let payload = try message.payload(
                    media.report.mediaType, file: media.media, fileName: name.name, profile: profile)
                let summary = PreparedSummary(media, fileName: name.name)
                let answer = try await client.forward(payload, apiKey: apiKey)
                return (Self.response(answer, requestID: requestID, summary: summary), summary)
            }
        } catch let rejection as WabaMediaError where rejection.code == .rejected {
            if let checked = rejection.report {
                report?.verdict = checked.verdict
                report?.report = Self.anonymised(checked)
            }
            var error = GatewayError(
                400, .mediaRejected, rejection.message.replacingOccurrences(of: path, with: "the file"),
                hint: rejection.hint)
            error.findings =
                rejection.blocking.isEmpty ? rejection.report?.findingsBlockingSend ?? [] : rejection.blocking
            throw error
        } catch let failure as WabaMediaError {
            if let checked = failure.report { report?.report = Self.anonymised(checked) }
            throw GatewayError(
                failure.code == .ioError ? 500 : 400, .preparationFailed,
                failure.message.replacingOccurrences(of: path, with: "the file"), hint: failure.hint)
        } catch let failure as SendMediaError {
            throw Self.upstreamFailure(failure)
        }
        let (response, summary) = prepared
        report?.verdict = summary.verdict
        report?.action = summary.action
        report?.steps = summary.steps
        report?.fileName = summary.fileName
        report?.bytesOut = summary.bytesOut
        report?.report = Self.anonymised(summary.report)
        report?.preparedReport = summary.preparedReport.map(Self.anonymised)
        return response
    }

    /// What a preparation did, kept for the headers, the log and the report once its files are gone.
    private struct PreparedSummary: Sendable {
        var verdict: Verdict
        var action: String
        var steps: [String]
        var fileName: String
        var bytesOut: Int
        var report: ValidationReport
        var preparedReport: ValidationReport?

        init(_ media: PreparedMedia, fileName: String) {
            verdict = media.report.verdict
            action = media.action.rawValue
            steps = media.steps
            self.fileName = fileName
            bytesOut = media.size
            report = media.report
            preparedReport = media.preparedReport
        }
    }

    /// A report without the gateway's temporary paths.
    private static func anonymised(_ report: ValidationReport) -> ValidationReport {
        var report = report
        report.inspection.file = ReceivedBody.uploadName
        return report
    }

    // MARK: - Links

    /// A link is checked as the SSRF guard checks one (only public addresses, unless the gateway was
    /// started with private links allowed) and passed on as it is: the platform fetches it.
    private func passLink(
        _ url: String, fields: RequestFields, apiKey: String, requestID: String, report: inout GatewayReport?
    ) async throws -> Response {
        let parsed: HTTPURL
        do {
            parsed = try HTTPURL(url)
        } catch {
            throw GatewayError(
                400, .linkRefused, "media_data is neither base64 nor an http(s) URL: \(error)",
                hint: "send the file's bytes in base64, or a public http(s) URL")
        }
        if !configuration.allowPrivateLinks { try await checkPublic(parsed.host) }
        do {
            return try await preparer.withPreparedMessage(url, as: fields.mediaType, fields: fields.message) {
                message in
                report?.fileName = message.fileName.name
                let answer = try await client.forward(message.payload, apiKey: apiKey)
                var response = Self.response(answer, requestID: requestID, summary: nil)
                response.headers[.wamediaAction] = Self.linkAction
                return response
            }
        } catch let failure as WabaMediaError where failure.code == .invalidArgument {
            throw RequestFields.invalid(failure.message, hint: failure.hint)
        } catch let failure as SendMediaError {
            throw Self.upstreamFailure(failure)
        }
    }

    /// Refuses a host that is, or resolves to, a loopback, private or link-local address.
    private func checkPublic(_ host: String) async throws {
        let addresses: [AddressPolicy.Address]
        do {
            addresses = try await AddressPolicy.resolve(host)
        } catch let error as WabaMediaError {
            throw GatewayError(400, .linkRefused, error.message, hint: error.hint)
        }
        guard !addresses.isEmpty else {
            throw GatewayError(400, .linkRefused, "the host \(host) resolves to no address")
        }
        if let address = addresses.first(where: { !AddressPolicy.isPublic($0) }) {
            throw GatewayError(
                400, .linkRefused, "\(host) resolves to \(address), a private, loopback or link-local address",
                hint: "the platform fetches from the public internet: use a public https URL")
        }
    }

    // MARK: - Answers

    /// The fields as the upstream request will carry them: refused here when the API would refuse them.
    private func checkFields(_ request: SendMediaRequest) throws {
        do {
            try request.validate(profile: configuration.profile)
        } catch let failure as WabaMediaError {
            throw RequestFields.invalid(failure.message, hint: failure.hint)
        }
    }

    /// The upstream's answer, unchanged, with what the gateway did in its headers.
    private static func response(_ answer: SendMediaAnswer, requestID: String, summary: PreparedSummary?) -> Response {
        var headers: HTTPFields = [.wamediaRequestID: requestID]
        if let contentType = answer.contentType { headers[.contentType] = contentType }
        if let summary {
            headers[.wamediaVerdict] = summary.verdict.rawValue
            headers[.wamediaAction] = summary.action
        }
        return Response(
            status: HTTPResponse.Status(code: answer.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    /// No answer from upstream: 502, saying whether the message may have gone out.
    private static func upstreamFailure(_ failure: SendMediaError) -> GatewayError {
        switch failure.kind {
        case .connectionFailed, .transport:
            GatewayError(502, .upstreamUnreachable, failure.message, hint: failure.hint)
        case .payload:
            GatewayError(400, .invalidRequest, failure.message, hint: failure.hint)
        default:
            GatewayError(502, .upstreamNoAnswer, failure.message, hint: failure.hint)
        }
    }

    private static func milliseconds(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }
}
