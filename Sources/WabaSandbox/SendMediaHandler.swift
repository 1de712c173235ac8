import Foundation
import Hummingbird
import Logging
import WabaClient
import WabaMedia
import WabaRequestBody

/// `POST /v1/waba/send-media`, for a send the middleware let through: parses the body as it
/// arrives, checks the fields and the media as the contract does, stores an upload, and answers.
/// A refusal is thrown as a ``SandboxHTTPError``; an accepted message goes into the exchange, for the
/// recording middleware to commit.
///
/// Base64 uploads are decoded as they arrive into a file, never held whole, and then checked with
/// the project's own detection and validation for the requested media type.
struct SendMediaHandler: Sendable {
    let configuration: SandboxConfiguration
    let checker: MediaChecker
    /// libmagic, libvips and hashing block: they run here, not on the task pool.
    let executor: BlockingExecutor
    let issued: IssuedMediaURLs
    let logger: Logger
    /// The sandbox's address, for the `media_url` of an upload.
    let baseURL: @Sendable () -> String?

    /// What the body held once it was read whole.
    private struct Body {
        var fields: [String: SendMediaBodyParser.FieldValue]
        var media: SendMediaBodyParser.MediaData?
        /// Where base64 media was decoded to, when there was some.
        var uploadPath: String?
    }

    /// Media that was taken: the URL the answer gives, and the upload behind it when the sandbox knows it.
    private struct TakenMedia {
        var url: String
        var upload: IssuedMediaURLs.Upload?
    }

    func handle(_ request: Request, context: SendRequestContext) async throws -> Response {
        let exchange = context.exchange
        let directory = exchange.directory(in: configuration.storeDirectory)
        // The contract's body is JSON; the real API refuses anything else before looking at it.
        let contentType = request.header("content-type")
        let isJSON = contentType.map(MIMEType.init(canonicalising:)) == .json
        guard isJSON else {
            try await request.body.discard()
            throw SandboxHTTPError(
                400, "Content-Type must be application/json, not \(contentType.map { "'\($0)'" } ?? "missing")")
        }
        let body = try await read(request.body, into: directory)

        // The body was read to its end: from here the receipt is this function's alone.
        var receipt = exchange.receipt
        defer { exchange.receipt = receipt }
        let fields = try SendFields(body.fields, receipt: &receipt)
        guard let media = body.media else { throw SandboxHTTPError(400, "media_data is required") }
        try fields.checkRecipient(configuration: configuration)
        let taken: TakenMedia
        switch media {
        case .url(let url):
            taken = try take(url: url, receipt: &receipt)
        case .base64(let decodedBytes):
            taken = try await takeUpload(
                of: decodedBytes, at: body.uploadPath, fields: fields, messageID: exchange.messageID,
                directory: directory, receipt: &receipt)
        }
        receipt.mediaURL = taken.url
        return answer(fields, media: taken, exchange: exchange, receipt: receipt)
    }

    /// Reads the body through the parser; base64 media is decoded into `directory` as it arrives and
    /// held to its type's limit (the largest until `media_type` was read).
    private func read(_ body: RequestBody, into directory: URL) async throws -> Body {
        var uploadPath: String?
        var descriptor: Int32 = -1
        defer { if descriptor >= 0 { close(descriptor) } }
        let partPath = directory.appendingPathComponent(StoredUpload.partName).path
        var parser = SendMediaBodyParser(openMediaFile: {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            descriptor = open(partPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                let reason = String(cString: strerror(errno))
                self.logger.error("cannot store an upload", metadata: ["path": "\(partPath)", "error": "\(reason)"])
                throw SendMediaBodyError(.storage, "the sandbox cannot store the upload: \(reason)")
            }
            uploadPath = partPath
            return descriptor
        })
        var bodyError: String?
        do {
            for try await chunk in body {
                guard bodyError == nil else { continue }
                do {
                    try chunk.withUnsafeReadableBytes { try parser.feed($0) }
                } catch let error as SendMediaBodyError {
                    bodyError = error.message
                }
                // The media is held to its type's limit as it is decoded, so an oversized upload
                // stops here instead of filling the disk first.
                let limit = mediaLimit(typeName: parser.stringField("media_type"))
                if parser.decodedMediaBytes > limit.bytes {
                    var error = SandboxHTTPError(
                        400, "media_data decodes to more than \(limit.bytes) bytes, over the limit for \(limit.name)")
                    error.closesConnection = true
                    throw error
                }
            }
            if bodyError == nil {
                do { try parser.finish() } catch let error as SendMediaBodyError { bodyError = error.message }
            }
        } catch let error as SandboxHTTPError {
            throw error
        } catch {
            throw SandboxHTTPError(400, "the body could not be read: \(error)")
        }
        if let bodyError { throw SandboxHTTPError(400, bodyError) }
        return Body(fields: parser.fields, media: parser.media, uploadPath: uploadPath)
    }

    /// The limit decoded media is held to: its type's once `media_type` was read, else the largest.
    private func mediaLimit(typeName: String?) -> (bytes: Int, name: String) {
        if let typeName, let type = MediaType(rawValue: typeName) {
            return (configuration.profile.maxBytes(for: type), type.rawValue)
        }
        return (configuration.maxMediaBytes, "any media type")
    }

    /// Media given as a URL: passed through, never fetched, when the platform could fetch it.
    private func take(url: String, receipt: inout SandboxReceipt) throws -> TakenMedia {
        receipt.mediaKind = "url"
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            throw SandboxHTTPError(
                400, url.isEmpty ? "media_data is empty" : "media_data is neither an http(s) URL nor base64")
        }
        let parsed: HTTPURL
        do {
            parsed = try HTTPURL(url)
        } catch {
            throw SandboxHTTPError(400, "media_data is not a valid URL: \(error)")
        }
        // The platform fetches from the public internet: an address it cannot reach is invalid
        // media, except the sandbox's own upload URLs, which a rehearsal sends again.
        let upload = issued.upload(at: url)
        if upload == nil, let reason = Self.unreachableFromInternet(parsed.host) {
            throw SandboxHTTPError(400, "media_data URL \(url) is not publicly reachable: \(reason)")
        }
        return TakenMedia(url: url, upload: upload)
    }

    /// A base64 upload: stored under a name of the sandbox's making, then checked for its media type.
    private func takeUpload(
        of decodedBytes: Int, at partPath: String?, fields: SendFields, messageID: String, directory: URL,
        receipt: inout SandboxReceipt
    ) async throws -> TakenMedia {
        receipt.mediaKind = "base64"
        receipt.mediaBytes = decodedBytes
        guard let partPath, decodedBytes > 0 else { throw SandboxHTTPError(400, "media_data is empty") }
        // A name of the sandbox's own making: the client's file_name could be the metadata's.
        let name = StoredUpload.name(for: receipt.fileName)
        let finalPath = directory.appendingPathComponent(name).path
        do {
            try FileManager.default.moveItem(atPath: partPath, toPath: finalPath)
        } catch {
            // The error names local paths: they go to the log, not to the client.
            logger.error("cannot store an upload", metadata: ["path": "\(finalPath)", "error": "\(error)"])
            throw SandboxHTTPError(500, "the sandbox could not store the upload")
        }
        let (checker, mediaType, caption) = (self.checker, fields.mediaType, fields.content)
        let (report, digest) = try await executor.run {
            (
                checker.validate(path: finalPath, as: mediaType, caption: caption),
                Result { try ContentDigest.sha256(ofFileAt: finalPath) }
            )
        }
        receipt.detectedMIME = report.inspection.mime
        receipt.findings = report.findings
        // WhatsApp takes media only as it is: a rejected finding, or one the pipeline would have
        // to fix, refuses the upload. A misleading extension is a naming matter, not the media's.
        let refusing = report.findingsBlockingSend
        if !refusing.isEmpty {
            let reasons = refusing.map { "\($0.code): \($0.message)" }.joined(separator: "; ")
            throw SandboxHTTPError(400, "the media is not valid for \(mediaType): \(reasons)")
        }
        let upload: IssuedMediaURLs.Upload
        switch digest {
        case .success(let digest): upload = IssuedMediaURLs.Upload(digest: digest, bytes: decodedBytes)
        case .failure(let error):
            logger.error("cannot read a stored upload", metadata: ["path": "\(finalPath)", "error": "\(error)"])
            throw SandboxHTTPError(500, "the sandbox could not read the stored upload")
        }
        if configuration.storeDirectory != nil { receipt.storedPath = finalPath }
        return TakenMedia(url: "\(baseURL() ?? "http://localhost")/media/\(messageID)/\(name)", upload: upload)
    }

    /// The contract's 200 for an accepted send; the message goes into the exchange.
    private func answer(
        _ fields: SendFields, media: TakenMedia, exchange: SendExchange, receipt: SandboxReceipt
    ) -> Response {
        let messageID = exchange.messageID
        let saved = receipt.saveMessage ?? true
        let thread = fields.threadID ?? "thr-\(UUID().uuidString.lowercased())"
        let provider = "wamid.HBgN" + Data(messageID.utf8).base64EncodedString().prefix(24)
        let message = saved ? "Media enviado y guardado" : "Media enviado"
        let body: [String: Any] = [
            "success": true, "message": message,
            "data": ["message_id": messageID, "provider_id": provider, "media_url": media.url, "thread_id": thread],
        ]
        let accepted = SandboxAcceptedMessage(
            messageID: messageID, channelID: fields.strings["channel_id"], contactID: fields.strings["contact_id"],
            threadID: fields.threadID, mediaType: fields.mediaType.rawValue,
            mediaKind: receipt.mediaKind == "url" ? .url : .base64, mediaDigest: media.upload?.digest,
            mediaBytes: media.upload?.bytes, mediaURL: media.url, content: fields.content, acceptedAt: Date())
        exchange.acceptance = SendExchange.Acceptance(
            message: message, thread: thread, accepted: accepted, upload: media.upload)
        return Response.sandboxJSON(200, body)
    }

    /// Why the platform could not fetch from `host`, or nil when it could: loopback, private,
    /// link-local and other non-public address literals, and `localhost` names. Other names are
    /// not resolved: the sandbox never fetches media.
    static func unreachableFromInternet(_ host: String) -> String? {
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        if name == "localhost" || name.hasSuffix(".localhost") { return "\(host) is this machine" }
        if let address = AddressPolicy.literal(host), !AddressPolicy.isPublic(address) {
            return "\(address) is a loopback, private or link-local address"
        }
        return nil
    }
}
