import Foundation
import Hummingbird
public import Logging
import Synchronization
public import WabaMedia

/// How the sandbox behaves.
public struct SandboxConfiguration: Sendable {
    /// The key clients must send in `x-api-key`.
    public static let defaultAPIKey = "sandbox-key"
    /// A contact that never exists: requests to it get 404, as for an unknown contact.
    public static let unknownContactID = "00000000-0000-0000-0000-000000000000"
    /// A channel that exists but is not a WABA channel: requests through it get 400.
    public static let nonWABAChannelID = "chn_not_waba"
    /// A request with this header answers with its value as status (500, 503…) after reading the body.
    public static let failHeader = "x-sandbox-fail"

    public var host: String
    /// 0 picks a free port.
    public var port: Int
    public var apiKey: String
    /// Where received media and metadata are kept, one folder per message; nothing is kept when nil.
    public var storeDirectory: String?
    /// How many requests, from the start, fail with 500 after their body was read.
    public var failNext: Int
    /// The contacts that exist. When nil, every UUID exists except ``unknownContactID``.
    public var knownContacts: Set<String>?
    /// The limits uploaded media is checked against.
    public var profile: MediaProfile

    public init(
        host: String = "127.0.0.1", port: Int = 0, apiKey: String = defaultAPIKey, storeDirectory: String? = nil,
        failNext: Int = 0, knownContacts: Set<String>? = nil, profile: MediaProfile = .whatsappCloud
    ) {
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.storeDirectory = storeDirectory
        self.failNext = failNext
        self.knownContacts = knownContacts
        self.profile = profile
    }
}

/// What the sandbox received in one request and what it answered.
public struct SandboxReceipt: Sendable, Hashable, Codable {
    public var status: Int
    /// The answer's `message`.
    public var message: String
    public var messageID: String?
    public var channelID: String?
    public var contactID: String?
    public var threadID: String?
    public var mediaType: String?
    public var content: String?
    public var fileName: String?
    public var saveMessage: Bool?
    /// `url` or `base64`.
    public var mediaKind: String?
    public var mediaURL: String?
    /// Decoded size of a base64 upload.
    public var mediaBytes: Int?
    /// What the sandbox's own detection says the upload is.
    public var detectedMIME: String?
    /// Where the decoded upload was kept (only with a store directory).
    public var storedPath: String?
    /// The Content-Length the client announced.
    public var contentLength: Int?
    /// The body bytes actually received.
    public var bodyBytes: Int
    public var findings: [Finding]

    enum CodingKeys: String, CodingKey {
        case status, message, content, findings
        case messageID = "message_id"
        case channelID = "channel_id"
        case contactID = "contact_id"
        case threadID = "thread_id"
        case mediaType = "media_type"
        case fileName = "file_name"
        case saveMessage = "save_message"
        case mediaKind = "media_kind"
        case mediaURL = "media_url"
        case mediaBytes = "media_bytes"
        case detectedMIME = "detected_mime"
        case storedPath = "stored_path"
        case contentLength = "content_length"
        case bodyBytes = "body_bytes"
    }
}

/// A local stand-in for `POST /v1/waba/send-media` that keeps the real contract: key check (401),
/// required fields and media checks (400), unknown contacts (404), injectable failures (500),
/// and the real API's answer shape.
///
/// Base64 uploads are decoded as they arrive into a file, never held whole, and then checked with
/// the project's own detection and validation for the requested media type.
public final class SandboxServer: Sendable {
    public let configuration: SandboxConfiguration
    private let logger: Logger
    private let checker: MediaChecker
    private let workers = BlockingWorkers(count: 2)
    private let state: Mutex<State>

    private struct State {
        var failNext: Int
        var receipts: [SandboxReceipt] = []
        var requestCount = 0
        var baseURL: String?
        var task: Task<Void, any Error>?
    }

    /// - Parameter logger: where the sandbox logs requests (never the key); nothing is logged when nil.
    public init(configuration: SandboxConfiguration = SandboxConfiguration(), logger: Logger? = nil) throws {
        self.configuration = configuration
        self.logger = logger ?? Logger(label: "wamedia.sandbox", factory: { _ in SwiftLogNoOpLogHandler() })
        self.checker = try MediaChecker(profile: configuration.profile)
        self.state = Mutex(State(failNext: configuration.failNext))
        if let store = configuration.storeDirectory {
            do {
                try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
            } catch {
                throw WabaMediaError(
                    .ioError, "cannot create the store directory \(store): \(error.localizedDescription)",
                    hint: "give a writable --store folder")
            }
        }
    }

    deinit { workers.shutdown() }

    /// The server's address (`http://127.0.0.1:PORT`) once it runs.
    public var baseURL: String? { state.withLock { $0.baseURL } }
    /// Everything received so far, oldest first.
    public var receipts: [SandboxReceipt] { state.withLock { $0.receipts } }
    /// How many send-media requests arrived (including refused ones).
    public var requestCount: Int { state.withLock { $0.requestCount } }

    /// Makes the next `count` requests fail with 500 after their body was read.
    public func failNext(_ count: Int) { state.withLock { $0.failNext = max(0, count) } }

    /// Starts listening and returns the base URL. For tests and embedding: stop with ``stop()``.
    public func start() async throws -> String {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        let app = makeApplication { url in continuation.yield(url) }
        let task = Task {
            defer { continuation.finish() }
            try await app.run()
        }
        state.withLock { $0.task = task }
        for await url in stream { return url }
        // The stream ended without an address: the server could not start.
        do {
            try await task.value
        } catch {
            throw WabaMediaError(
                .ioError, "the sandbox could not listen on \(configuration.host):\(configuration.port): \(error)",
                hint: "pick another --port")
        }
        throw WabaMediaError(.ioError, "the sandbox stopped before it started listening")
    }

    /// Stops a server started with ``start()``, waiting for it to close.
    public func stop() async {
        guard let task = state.withLock({ $0.task }) else { return }
        task.cancel()
        _ = try? await task.value
        state.withLock {
            $0.task = nil
            $0.baseURL = nil
        }
    }

    /// Runs until SIGINT or SIGTERM (the CLI's `wamedia sandbox`); `onRunning` gets the base URL.
    public func run(onRunning: @escaping @Sendable (String) -> Void) async throws {
        let app = makeApplication(onRunning)
        do {
            try await app.runService()
        } catch {
            throw WabaMediaError(
                .ioError, "the sandbox could not listen on \(configuration.host):\(configuration.port): \(error)",
                hint: "pick another --port")
        }
    }

    private func makeApplication(_ onRunning: @escaping @Sendable (String) -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.post("/v1/waba/send-media") { request, _ -> Response in
            await self.handle(request)
        }
        router.get("/media/{id}/{name}") { _, context -> Response in
            try await self.serveMedia(context: context)
        }
        let host = configuration.host
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "wamedia-sandbox"),
            onServerRunning: { [weak self] channel in
                let port = channel.localAddress?.port ?? 0
                let shownHost = host.contains(":") ? "[\(host)]" : host
                let url = "http://\(shownHost):\(port)"
                self?.state.withLock { $0.baseURL = url }
                onRunning(url)
            },
            logger: logger)
    }

    // MARK: - Requests

    private func handle(_ request: Request) async -> Response {
        state.withLock { $0.requestCount += 1 }
        let id = UUID().uuidString.lowercased()
        let messageID = "msg-\(id)"
        let workDirectory: URL
        let keep = configuration.storeDirectory != nil
        if let store = configuration.storeDirectory {
            workDirectory = URL(fileURLWithPath: store).appendingPathComponent(messageID)
        } else {
            workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("wamedia-sandbox-\(id)")
        }
        var receipt = SandboxReceipt(status: 0, message: "", bodyBytes: 0, findings: [])
        receipt.contentLength = request.headers[.contentLength].flatMap { Int($0) }
        defer {
            if !keep || receipt.status != 200 { try? FileManager.default.removeItem(at: workDirectory) }
        }

        let outcome = await process(request, messageID: messageID, directory: workDirectory, receipt: &receipt)
        receipt.status = outcome.status
        receipt.message = outcome.message
        if outcome.status == 200 {
            receipt.messageID = messageID
            if keep { storeMetadata(receipt, in: workDirectory) }
        }
        state.withLock { $0.receipts.append(receipt) }
        logger.info(
            "send-media", metadata: ["status": "\(outcome.status)", "bytes": "\(receipt.bodyBytes)"])
        return outcome.response
    }

    private struct Outcome {
        var status: Int
        var message: String
        var response: Response
    }

    private func process(_ request: Request, messageID: String, directory: URL, receipt: inout SandboxReceipt) async
        -> Outcome
    {
        // The key is checked first, but the body is still read so the client sees the answer, not a reset.
        let keyOK = request.header("x-api-key") == configuration.apiKey
        let injected = request.header(SandboxConfiguration.failHeader).flatMap { Int($0) }

        var parser: SendMediaBodyParser?
        var mediaPath: String?
        var descriptor: Int32 = -1
        defer { if descriptor >= 0 { close(descriptor) } }
        let partPath = directory.appendingPathComponent("upload.part").path
        if keyOK {
            parser = SendMediaBodyParser(openMediaFile: {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                descriptor = open(partPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                guard descriptor >= 0 else {
                    throw BodyError(message: "the sandbox cannot store the upload: \(String(cString: strerror(errno)))")
                }
                mediaPath = partPath
                return descriptor
            })
        }
        var bodyError: String?
        do {
            for try await chunk in request.body {
                receipt.bodyBytes += chunk.readableBytes
                guard bodyError == nil, parser != nil else { continue }
                do {
                    try chunk.withUnsafeReadableBytes { try parser!.feed($0) }
                } catch let error as BodyError {
                    bodyError = error.message
                }
            }
            if bodyError == nil, parser != nil {
                do { try parser!.finish() } catch let error as BodyError { bodyError = error.message }
            }
        } catch {
            return answer(400, "the body could not be read: \(error)")
        }
        guard keyOK else {
            let missing = request.header("x-api-key") == nil
            return answer(401, missing ? "API key is missing: send it in the x-api-key header" : "API key is invalid")
        }
        if let bodyError { return answer(400, bodyError) }
        guard let parser else { return answer(400, "the body is empty") }

        // Fields.
        var strings: [String: String] = [:]
        for (key, value) in parser.fields {
            switch (key, value) {
            case ("save_message", .literal(let literal)):
                guard literal == "true" || literal == "false" else {
                    return answer(400, "save_message must be true or false")
                }
                receipt.saveMessage = literal == "true"
            case ("save_message", .string):
                return answer(400, "save_message must be a boolean, not a string")
            case (_, .string(let text)):
                strings[key] = text
            case (_, .literal("null")):
                continue
            case ("channel_id", _), ("contact_id", _), ("thread_id", _), ("media_type", _), ("content", _),
                ("file_name", _), ("media_data", _):
                return answer(400, "\(key) must be a string")
            default:
                continue
            }
        }
        receipt.channelID = strings["channel_id"]
        receipt.contactID = strings["contact_id"]
        receipt.threadID = strings["thread_id"]
        receipt.mediaType = strings["media_type"]
        receipt.content = strings["content"]
        receipt.fileName = strings["file_name"]

        guard let typeName = strings["media_type"] else { return answer(400, "media_type is required") }
        guard let mediaType = MediaType(rawValue: typeName) else {
            return answer(400, "media_type must be one of image, video, audio, document (got \"\(typeName)\")")
        }
        guard let media = parser.media else { return answer(400, "media_data is required") }
        let threadID = strings["thread_id"]
        if threadID == nil {
            let missing = ["channel_id", "contact_id"].filter { (strings[$0] ?? "").isEmpty }
            if !missing.isEmpty {
                return answer(400, "\(missing.joined(separator: " and ")) required when thread_id is not given")
            }
        }
        if let content = strings["content"], content.utf16.count > configuration.profile.captionMaxCharacters {
            return answer(
                400,
                "content is \(content.utf16.count) characters, over the limit of \(configuration.profile.captionMaxCharacters)"
            )
        }
        if threadID == nil, strings["channel_id"] == SandboxConfiguration.nonWABAChannelID {
            return answer(400, "the channel is not a WABA channel")
        }
        if let threadID {
            guard Self.isUUID(threadID), threadID != SandboxConfiguration.unknownContactID else {
                return answer(404, "thread not found")
            }
        } else if let contact = strings["contact_id"], !contactExists(contact) {
            return answer(404, "contact not found")
        }

        // Media.
        let mediaURL: String
        switch media {
        case .url(let url):
            receipt.mediaKind = "url"
            let lower = url.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
                return answer(
                    400, url.isEmpty ? "media_data is empty" : "media_data is neither an http(s) URL nor base64")
            }
            mediaURL = url
        case .base64(let decodedBytes):
            receipt.mediaKind = "base64"
            receipt.mediaBytes = decodedBytes
            guard let partPath = mediaPath, decodedBytes > 0 else { return answer(400, "media_data is empty") }
            if descriptor >= 0 {
                close(descriptor)
                descriptor = -1
            }
            let name = receipt.fileName.flatMap { FileNamer(profile: configuration.profile).sanitize($0) } ?? "media"
            let finalPath = directory.appendingPathComponent(name).path
            do {
                try FileManager.default.moveItem(atPath: partPath, toPath: finalPath)
            } catch {
                return answer(500, "the sandbox could not store the upload: \(error.localizedDescription)")
            }
            let checker = self.checker
            let caption = strings["content"]
            // libmagic and libvips block: they run on the sandbox's own threads, not the task pool's.
            let report = await workers.run { checker.check(path: finalPath, as: mediaType, caption: caption) }
            receipt.detectedMIME = report.inspection.mime
            receipt.findings = report.findings
            let refusing = report.findingsBlockingSend
            if !refusing.isEmpty {
                let reasons = refusing.map { "\($0.code): \($0.message)" }.joined(separator: "; ")
                return answer(400, "the media is not valid for \(mediaType): \(reasons)")
            }
            if configuration.storeDirectory != nil { receipt.storedPath = finalPath }
            mediaURL =
                "\(baseURL ?? "http://localhost")/media/\(messageID)/\(name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "media")"
        }
        receipt.mediaURL = mediaURL

        let failure: Int? =
            injected
            ?? state.withLock { state -> Int? in
                guard state.failNext > 0 else { return nil }
                state.failNext -= 1
                return 500
            }
        if let failure {
            return answer(failure, "Error al subir el media: injected failure (sandbox)")
        }

        let saved = receipt.saveMessage ?? true
        let thread = threadID ?? "thr-\(UUID().uuidString.lowercased())"
        receipt.threadID = thread
        let provider = "wamid.HBgN" + Data(messageID.utf8).base64EncodedString().prefix(24)
        let message = saved ? "Media enviado y guardado" : "Media enviado"
        let body: [String: Any] = [
            "success": true, "message": message,
            "data": ["message_id": messageID, "provider_id": provider, "media_url": mediaURL, "thread_id": thread],
        ]
        return Outcome(status: 200, message: message, response: Self.json(200, body))
    }

    /// WhatsApp takes media only as it is: a rejected finding, or one the pipeline would have
    /// to fix, refuses the upload. A misleading extension is a naming matter, not the media's.
    private func contactExists(_ contact: String) -> Bool {
        if let known = configuration.knownContacts { return known.contains(contact) }
        return Self.isUUID(contact) && contact != SandboxConfiguration.unknownContactID
    }

    static func isUUID(_ text: String) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        return groups.map(\.count) == [8, 4, 4, 4, 12] && groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }

    private func storeMetadata(_ receipt: SandboxReceipt, in directory: URL) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(receipt) else { return }
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try? data.write(to: directory.appendingPathComponent("request.json"))
    }

    private func serveMedia(context: some RequestContext) async throws -> Response {
        guard let store = configuration.storeDirectory, let id = context.parameters.get("id"),
            let name = context.parameters.get("name"), id.hasPrefix("msg-"), !id.contains("/"), !name.contains("/"),
            !name.hasPrefix(".")
        else { return Self.json(404, ["success": false, "message": "media not found"]) }
        let path = URL(fileURLWithPath: store).appendingPathComponent(id).appendingPathComponent(name).path
        guard FileManager.default.fileExists(atPath: path) else {
            return Self.json(404, ["success": false, "message": "media not found"])
        }
        let body = try await FileIO().loadFile(path: path, context: context)
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: body)
    }

    private func answer(_ status: Int, _ message: String) -> Outcome {
        Outcome(status: status, message: message, response: Self.json(status, ["success": false, "message": message]))
    }

    private static func json(_ status: Int, _ object: [String: Any]) -> Response {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension Request {
    /// The first value of a header, by its lower-case name.
    fileprivate func header(_ name: String) -> String? {
        headers.first { $0.name.canonicalName == name }?.value
    }
}
