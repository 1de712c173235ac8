import Foundation
import Hummingbird
public import Logging
import NIOCore
import Synchronization
import WabaClient
public import WabaMedia

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
    /// What was received, for the web inbox at `/`.
    public let inbox: SandboxInbox
    private let media: InboxMedia?

    /// What the sandbox answered, for rehearsals and the inbox's panel.
    let ledger = SandboxLedger()
    /// The seed of ``SandboxConfiguration/failRate``'s draws: the configured one, or one picked at
    /// random. Passing it as `failRateSeed` fails the same sends again.
    public let failRateSeed: UInt64

    private struct State {
        var failNext: Int
        /// Sends that were valid and reached the failure injection, for the `failRate` draws.
        var sendsDrawn = 0
        var receipts: [SandboxReceipt] = []
        var requestCount = 0
        var baseURL: String?
        /// The `media_url`s this sandbox answered with, and the upload each points at: the only
        /// loopback URLs it takes as media, so a rehearsal can send an upload again by its URL.
        var issuedMediaURLs: [String: Upload] = [:]
        /// When each send taken within the last second arrived, for the rate limit.
        var recentSends = CircularBuffer<ContinuousClock.Instant>()
        var task: Task<Void, any Error>?
    }

    private struct Upload {
        var digest: String
        var bytes: Int
    }

    /// - Parameter logger: where the sandbox logs requests (never the key); nothing is logged when nil.
    public init(configuration: SandboxConfiguration = SandboxConfiguration(), logger: Logger? = nil) throws {
        if let problem = configuration.rehearsalProblem {
            throw WabaMediaError(.invalidArgument, "the sandbox cannot start: \(problem)", hint: "fix that setting")
        }
        self.configuration = configuration
        self.failRateSeed = configuration.failRateSeed ?? UInt64.random(in: .min ... .max)
        self.logger = logger ?? Logger(label: "wamedia.sandbox", factory: { _ in SwiftLogNoOpLogHandler() })
        self.checker = try MediaChecker(profile: configuration.profile)
        self.state = Mutex(State(failNext: configuration.failFirst))
        let detector = try MIMEDetector()
        self.inbox = SandboxInbox(detector: detector)
        self.media = configuration.storeDirectory.map { InboxMedia(store: $0, detector: detector) }
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

    /// Every message accepted so far (answered 200), oldest first: a rehearsal proves from it that
    /// no message arrived twice. `GET /sandbox/accepted` serves the same as JSON Lines.
    public func acceptedMessages() async -> [SandboxAcceptedMessage] { ledger.accepted }

    /// How many send-media requests got each kind of answer so far. `GET /sandbox/counts` serves
    /// the same as JSON.
    public func counts() async -> SandboxCounts { ledger.snapshot.counts }

    /// Starts listening and returns the base URL. For tests and embedding: stop with ``stop()``.
    public func start() async throws -> String {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        inbox.reopen()
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
        inbox.close()
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
        router.get("/sandbox/accepted") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "application/x-ndjson; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: try SandboxLedger.jsonLines(self.ledger.accepted))))
        }
        router.get("/sandbox/counts") { _, _ -> Response in
            let data = try JSONEncoder().encode(self.ledger.snapshot.counts)
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
        InboxPage(inbox: inbox, media: media, ledger: ledger).register(on: router) { [weak self] in self?.baseURL }
        let host = configuration.host
        let headerTimeout = TimeAmount.nanoseconds(Self.nanoseconds(configuration.headerTimeout))
        return Application(
            router: router,
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [ConnectionGuard(headerTimeout: headerTimeout)],
                    idleTimeout: .nanoseconds(Self.nanoseconds(configuration.idleTimeout)))),
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

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return min(seconds, 86_400) * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    // MARK: - Requests

    private func handle(_ request: Request) async -> Response {
        state.withLock { $0.requestCount += 1 }
        let response: Response
        if let retryAfter = admit(at: .now) {
            response = await refuseOverRate(request, retryAfter: retryAfter)
        } else {
            response = await take(request)
        }
        // Every answer waits alike, whatever it says, as a slow platform's would.
        if configuration.answerDelay > .zero { try? await Task.sleep(for: configuration.answerDelay) }
        return response
    }

    /// Nil when a send arriving `now` is within the rate limit (and counts against it), else the
    /// whole seconds until the one-second window has room again.
    private func admit(at now: ContinuousClock.Instant) -> Int? {
        guard let limit = configuration.rateLimit else { return nil }
        return state.withLock { state -> Int? in
            while let oldest = state.recentSends.first, now - oldest >= .seconds(1) { state.recentSends.removeFirst() }
            guard state.recentSends.count >= limit, let oldest = state.recentSends.first else {
                state.recentSends.append(now)
                return nil
            }
            // Retry-After is in whole seconds: round the wait up.
            let wait = .seconds(1) - (now - oldest)
            return max(1, Int(wait.components.seconds) + (wait.components.attoseconds > 0 ? 1 : 0))
        }
    }

    /// 429 for a send over the rate limit. Its body is read first (up to the body limit), so the
    /// client sees the answer rather than a reset, and knows the message was not taken.
    private func refuseOverRate(_ request: Request, retryAfter: Int) async -> Response {
        var receipt = SandboxReceipt(status: 429, message: "", bodyBytes: 0, findings: [])
        receipt.contentLength = request.headers[.contentLength].flatMap { Int($0) }
        var outcome = answer(
            429,
            "Too many requests: over \(configuration.rateLimit ?? 0) sends per second; retry after \(retryAfter) s")
        do {
            for try await chunk in request.body {
                receipt.bodyBytes += chunk.readableBytes
                if receipt.bodyBytes > configuration.bodyLimit {
                    outcome.closesConnection = true
                    break
                }
            }
        } catch {
            outcome.closesConnection = true
        }
        receipt.message = outcome.message
        outcome.response.headers[.retryAfter] = String(retryAfter)
        if outcome.closesConnection { outcome.response.headers[.connection] = "close" }
        state.withLock { $0.receipts.append(receipt) }
        ledger.record(.rateLimited, status: 429, recipient: nil, reason: outcome.message)
        logger.info("send-media", metadata: ["status": "429", "bytes": "\(receipt.bodyBytes)"])
        return outcome.response
    }

    /// A send within the rate limit: read, checked, and answered as the contract says.
    private func take(_ request: Request) async -> Response {
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

        var outcome = await process(request, messageID: messageID, directory: workDirectory, receipt: &receipt)
        if outcome.closesConnection {
            // The rest of the body is not read: the connection ends after the answer.
            outcome.response.headers[.connection] = "close"
        }
        receipt.status = outcome.status
        receipt.message = outcome.message
        if outcome.status == 200 {
            receipt.messageID = messageID
            if keep { storeMetadata(receipt, in: workDirectory) }
        }
        state.withLock { $0.receipts.append(receipt) }
        ledger.record(
            ledgerAnswer(outcome, receipt: receipt), status: outcome.status,
            recipient: receipt.contactID ?? receipt.threadID.map { "thread \($0)" }, reason: outcome.message)
        inbox.record(receipt)
        logger.info(
            "send-media", metadata: ["status": "\(outcome.status)", "bytes": "\(receipt.bodyBytes)"])
        return outcome.response
    }

    private struct Outcome {
        var status: Int
        var message: String
        var response: Response
        /// Whether the answer came before the body was read to its end.
        var closesConnection = false
        /// Whether the sandbox failed the send on purpose.
        var injected = false
        /// The accepted message, for a 200.
        var accepted: SandboxAcceptedMessage?
    }

    private func ledgerAnswer(_ outcome: Outcome, receipt: SandboxReceipt) -> SandboxLedger.Answer {
        if let accepted = outcome.accepted { return .accepted(accepted) }
        if outcome.injected { return .injectedFailure }
        return outcome.status >= 500 ? .serverError : .refused
    }

    private func process(_ request: Request, messageID: String, directory: URL, receipt: inout SandboxReceipt) async
        -> Outcome
    {
        // The key is checked first, but the body is still read so the client sees the answer, not a reset.
        let keyOK = request.header("x-api-key") == configuration.apiKey
        let injected = request.header(SandboxConfiguration.failHeader).flatMap { Int($0) }
        let bodyLimit = configuration.bodyLimit
        if let announced = receipt.contentLength, announced > bodyLimit {
            return tooLarge(announced, limit: bodyLimit)
        }
        // The contract's body is JSON; the real API refuses anything else before looking at it.
        let contentType = request.header("content-type")
        let isJSON =
            contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
            == "application/json"

        var parser: SendMediaBodyParser?
        var mediaPath: String?
        var descriptor: Int32 = -1
        defer { if descriptor >= 0 { close(descriptor) } }
        let partPath = directory.appendingPathComponent(StoredUpload.partName).path
        if keyOK, isJSON {
            parser = SendMediaBodyParser(openMediaFile: {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                descriptor = open(partPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                guard descriptor >= 0 else {
                    let reason = String(cString: strerror(errno))
                    self.logger.error(
                        "cannot store an upload", metadata: ["path": "\(partPath)", "error": "\(reason)"])
                    throw BodyError(message: "the sandbox cannot store the upload: \(reason)")
                }
                mediaPath = partPath
                return descriptor
            })
        }
        var bodyError: String?
        do {
            for try await chunk in request.body {
                receipt.bodyBytes += chunk.readableBytes
                if receipt.bodyBytes > bodyLimit { return tooLarge(nil, limit: bodyLimit) }
                guard bodyError == nil, parser != nil else { continue }
                do {
                    try chunk.withUnsafeReadableBytes { try parser!.feed($0) }
                } catch let error as BodyError {
                    bodyError = error.message
                }
                // The media is held to its type's limit as it is decoded, so an oversized upload
                // stops here instead of filling the disk first.
                let limit = mediaLimit(typeName: parser!.stringField("media_type"))
                if parser!.decodedMediaBytes > limit.bytes {
                    var outcome = answer(
                        400,
                        "media_data decodes to more than \(limit.bytes) bytes, over the limit for \(limit.name)")
                    outcome.closesConnection = true
                    return outcome
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
        guard isJSON else {
            return answer(
                400, "Content-Type must be application/json, not \(contentType.map { "'\($0)'" } ?? "missing")")
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
        var upload: Upload?
        switch media {
        case .url(let url):
            receipt.mediaKind = "url"
            let lower = url.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
                return answer(
                    400, url.isEmpty ? "media_data is empty" : "media_data is neither an http(s) URL nor base64")
            }
            let parsed: HTTPURL
            do {
                parsed = try HTTPURL(url)
            } catch {
                return answer(400, "media_data is not a valid URL: \(error)")
            }
            // The platform fetches from the public internet: an address it cannot reach is invalid
            // media, except the sandbox's own upload URLs, which a rehearsal sends again.
            upload = state.withLock { $0.issuedMediaURLs[url] }
            if upload == nil, let reason = Self.unreachableFromInternet(parsed.host) {
                return answer(400, "media_data URL \(url) is not publicly reachable: \(reason)")
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
            // A name of the sandbox's own making: the client's file_name could be the metadata's.
            let name = StoredUpload.name(for: receipt.fileName)
            let finalPath = directory.appendingPathComponent(name).path
            do {
                try FileManager.default.moveItem(atPath: partPath, toPath: finalPath)
            } catch {
                // The error names local paths: they go to the log, not to the client.
                logger.error("cannot store an upload", metadata: ["path": "\(finalPath)", "error": "\(error)"])
                return answer(500, "the sandbox could not store the upload")
            }
            let checker = self.checker
            let caption = strings["content"]
            // libmagic, libvips and hashing block: they run on the sandbox's own threads, not the task pool's.
            let (report, digest) = await workers.run {
                (
                    checker.check(path: finalPath, as: mediaType, caption: caption),
                    Result { try ContentDigest.sha256(ofFileAt: finalPath) }
                )
            }
            receipt.detectedMIME = report.inspection.mime
            receipt.findings = report.findings
            let refusing = report.findingsBlockingSend
            if !refusing.isEmpty {
                let reasons = refusing.map { "\($0.code): \($0.message)" }.joined(separator: "; ")
                return answer(400, "the media is not valid for \(mediaType): \(reasons)")
            }
            switch digest {
            case .success(let digest): upload = Upload(digest: digest, bytes: decodedBytes)
            case .failure(let error):
                logger.error("cannot read a stored upload", metadata: ["path": "\(finalPath)", "error": "\(error)"])
                return answer(500, "the sandbox could not read the stored upload")
            }
            if configuration.storeDirectory != nil { receipt.storedPath = finalPath }
            mediaURL = "\(baseURL ?? "http://localhost")/media/\(messageID)/\(name)"
        }
        receipt.mediaURL = mediaURL

        if let failure = injectedFailure(header: injected) {
            var outcome = answer(failure, "Error al subir el media: injected failure (sandbox)")
            outcome.injected = true
            return outcome
        }
        if receipt.mediaKind == "base64", let upload { state.withLock { $0.issuedMediaURLs[mediaURL] = upload } }

        let saved = receipt.saveMessage ?? true
        let thread = threadID ?? "thr-\(UUID().uuidString.lowercased())"
        receipt.threadID = thread
        let provider = "wamid.HBgN" + Data(messageID.utf8).base64EncodedString().prefix(24)
        let message = saved ? "Media enviado y guardado" : "Media enviado"
        let body: [String: Any] = [
            "success": true, "message": message,
            "data": ["message_id": messageID, "provider_id": provider, "media_url": mediaURL, "thread_id": thread],
        ]
        let accepted = SandboxAcceptedMessage(
            messageID: messageID, channelID: strings["channel_id"], contactID: strings["contact_id"],
            threadID: threadID, mediaType: mediaType.rawValue, mediaKind: receipt.mediaKind == "url" ? .url : .base64,
            mediaDigest: upload?.digest, mediaBytes: upload?.bytes, mediaURL: mediaURL, content: strings["content"],
            acceptedAt: Date())
        return Outcome(status: 200, message: message, response: Self.json(200, body), accepted: accepted)
    }

    /// The status a valid send fails with on purpose, or nil when it goes through: the request's
    /// `x-sandbox-fail` header, then the first sends (`failFirst`, `failNext(_:)`), then a
    /// `failRate` draw, which is seeded and counted over the sends that reach it.
    private func injectedFailure(header: Int?) -> Int? {
        if let header { return header }
        return state.withLock { state -> Int? in
            if state.failNext > 0 {
                state.failNext -= 1
                return 500
            }
            guard configuration.failRate > 0 else { return nil }
            state.sendsDrawn += 1
            return Self.draw(seed: failRateSeed, index: state.sendsDrawn) < configuration.failRate ? 500 : nil
        }
    }

    /// A number in [0, 1) that depends only on `seed` and `index` (SplitMix64's output function).
    static func draw(seed: UInt64, index: Int) -> Double {
        var z = seed &+ UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
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

    /// The limit decoded media is held to: its type's once `media_type` was read, else the largest.
    private func mediaLimit(typeName: String?) -> (bytes: Int, name: String) {
        if let typeName, let type = MediaType(rawValue: typeName) {
            return (configuration.profile.maxBytes(for: type), type.rawValue)
        }
        return (configuration.maxMediaBytes, "any media type")
    }

    private func tooLarge(_ announced: Int?, limit: Int) -> Outcome {
        var outcome = answer(
            413,
            announced.map { "the body is \($0) bytes, over the \(limit)-byte limit" }
                ?? "the body is over the \(limit)-byte limit")
        outcome.closesConnection = true
        return outcome
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
        try? data.write(to: directory.appendingPathComponent(StoredUpload.metadataName))
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
