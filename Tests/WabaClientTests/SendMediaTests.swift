import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Synchronization
import TestSupport
import Testing
import WabaClient
import WabaMedia
import WabaSandbox

func sample(_ name: String) -> String { samplesURL.appendingPathComponent(name).path }

let contact = "c1d2e3f4-a5b6-7890-cdef-123456789012"
let apiKey = "sk-test-9f8e7d6c5b4a"

func temporaryDirectory() throws -> URL { try makeTemporaryDirectory("wamedia-send") }

/// A sandbox on a free loopback port and a client pointed at it, for one test.
struct Harness {
    let sandbox: SandboxServer
    let client: SendMediaClient
    let baseURL: String
    let store: URL
    let preparer: MediaPreparer

    static func with<T>(
        key: String = apiKey, retryOnServerError: Bool = false, logs: LogRecorder? = nil,
        _ body: (Harness) async throws -> T
    ) async throws -> T {
        let store = try temporaryDirectory()
        var configuration = SandboxConfiguration(apiKey: apiKey, storeDirectory: store.path)
        // Previews are made before the answer: on two cores busy with every other suite, a poster can
        // take longer than its own limit. The limit itself is tested in ReportPreviewTests.
        configuration.previewTimeLimit = .seconds(300)
        let sandbox = try SandboxServer(configuration: configuration, logger: logs?.logger("sandbox"))
        let baseURL = try await sandbox.start()
        let client = try SendMediaClient(
            configuration: .init(
                baseURL: baseURL, apiKey: key, retryDelay: .milliseconds(20), retryOnServerError: retryOnServerError),
            logger: logs?.logger("client"))
        let harness = Harness(
            sandbox: sandbox, client: client, baseURL: baseURL, store: store,
            preparer: try MediaPreparer(profile: .whatsappCloud, executor: .tests))
        do {
            let result = try await body(harness)
            try await client.shutdown()
            await sandbox.stop()
            try? FileManager.default.removeItem(at: store)
            return result
        } catch {
            try? await client.shutdown()
            await sandbox.stop()
            try? FileManager.default.removeItem(at: store)
            throw error
        }
    }

    func withPrepared<T>(
        _ input: String, as type: MediaType? = nil,
        fields: MessageFields = .init(channelID: "chn_abc123", contactID: contact),
        _ body: (PreparedMessage) async throws -> T
    ) async throws -> T {
        try await preparer.withPreparedMessage(input, as: type, fields: fields, body)
    }

    /// Posts raw bytes, as a client that is not this project's would.
    func post(_ body: [UInt8], key: String?) async throws -> (status: Int, message: String?) {
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        var request = HTTPClientRequest(url: baseURL + "/v1/waba/send-media")
        request.method = .POST
        if let key { request.headers.add(name: "x-api-key", value: key) }
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await http.execute(request, timeout: .seconds(30))
        let data = try await response.body.collect(upTo: 1 << 20)
        try await http.shutdown()
        let json = try? JSONSerialization.jsonObject(with: Data(data.readableBytesView)) as? [String: Any]
        return (Int(response.status.code), json?["message"] as? String)
    }
}

func json(_ object: [String: Any]) throws -> [UInt8] {
    Array(try JSONSerialization.data(withJSONObject: object))
}

@Suite(.serialized) struct SendMediaTests {
    @Test func jpegArrivesIntact() async throws {
        try await Harness.with { harness in
            try await harness.withPrepared(
                sample("photo.jpg"),
                fields: .init(channelID: "chn_abc123", contactID: contact, content: "Check out our latest catalog!")
            ) { prepared in
                let result = try await harness.client.send(prepared.payload)
                #expect(result.messageID.hasPrefix("msg-"))
                #expect(result.providerID.hasPrefix("wamid."))
                #expect(result.message == "Media enviado y guardado")
                #expect(result.attempts == 1)
                let receipt = try #require(harness.sandbox.receipts.last)
                #expect(receipt.status == 200)
                #expect(receipt.mediaType == "image")
                #expect(receipt.detectedMIME == "image/jpeg")
                #expect(receipt.fileName == "photo.jpg")
                #expect(receipt.content == "Check out our latest catalog!")
                let stored = try Data(contentsOf: URL(fileURLWithPath: try #require(receipt.storedPath)))
                #expect(stored == (try Data(contentsOf: URL(fileURLWithPath: sample("photo.jpg")))))
                #expect(result.mediaURL.hasPrefix(harness.baseURL + "/media/"))
            }
        }
    }

    @Test func overBudgetJPEGArrivesTransformedUnderTheLimit() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("huge.jpg").path
        try runTool("vips", ["gaussnoise", path + "[Q=100]", "3000", "2500"])
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        try #require(size > 5_000_000, "the fixture must be over the image budget (\(size) bytes)")

        try await Harness.with { harness in
            try await harness.withPrepared(path, as: .image) { prepared in
                #expect(prepared.media?.mime == "image/jpeg")
                #expect(prepared.fileName.name == "huge.jpg")
                let result = try await harness.client.send(prepared.payload)
                #expect(!result.messageID.isEmpty)
                let receipt = try #require(harness.sandbox.receipts.last)
                let arrived = try #require(receipt.mediaBytes)
                #expect(arrived <= 5_000_000 && arrived > 4_000_000, "arrived at \(arrived) bytes")
                #expect(receipt.detectedMIME == "image/jpeg")
            }
        }
    }

    @Test func videoWithMoovAtTheEndArrivesRewrittenFaststart() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("clip.mp4").path
        try runTool(
            "ffmpeg",
            [
                "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=1", "-f",
                "lavfi",
                "-i", "sine=duration=1", "-c:v", "libx264", "-profile:v", "main", "-bf", "0", "-pix_fmt", "yuv420p",
                "-c:a",
                "aac", path,
            ])

        try await Harness.with { harness in
            try await harness.withPrepared(path, as: .video) { prepared in
                #expect(prepared.media?.report.findings.contains { $0.code == "not-faststart" } == true)
                let transformed = try #require(prepared.media)
                #expect(transformed.mime == "video/mp4")
                _ = try await harness.client.send(prepared.payload)
                let receipt = try #require(harness.sandbox.receipts.last)
                #expect(receipt.detectedMIME == "video/mp4")
                #expect(receipt.status == 200)
                let stored = try #require(receipt.storedPath)
                let av = try #require(try AVProbe.probe(FileSource(path: stored), mime: "video/mp4"))
                #expect(av.faststart == true)
                #expect(av.tracks.map(\.codec) == ["h264", "aac"])
            }
        }
    }

    @Test func pdfWithAWrongExtensionArrivesWithTheRightName() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let misnamed = directory.appendingPathComponent("invoice.jpg").path
        try FileManager.default.copyItem(atPath: sample("invoice.pdf"), toPath: misnamed)
        try await Harness.with { harness in
            try await harness.withPrepared(misnamed, as: .document) { prepared in
                #expect(prepared.fileName == InferredFileName(name: "invoice.pdf", origin: .input))
                _ = try await harness.client.send(prepared.payload)
                let receipt = try #require(harness.sandbox.receipts.last)
                #expect(receipt.status == 200)
                #expect(receipt.fileName == "invoice.pdf")
                #expect(receipt.detectedMIME == "application/pdf")
                #expect(receipt.findings.isEmpty)
            }
        }
    }

    @Test func urlIsPassedThrough() async throws {
        let url = "https://cdn.example.com/catalog/product%20list.jpg?X-Amz-Signature=secret#top"
        try await Harness.with { harness in
            try await harness.withPrepared(url, as: .image) { prepared in
                #expect(prepared.fileName.name == "product list.jpg")
                let result = try await harness.client.send(prepared.payload)
                #expect(result.mediaURL == url)
                let receipt = try #require(harness.sandbox.receipts.last)
                #expect(receipt.mediaKind == "url")
                #expect(receipt.mediaURL == url)
            }
        }
    }

    @Test func captionTooLongIsRefusedBeforeAndByTheServer() async throws {
        let long = String(repeating: "a", count: 1_025)
        try await Harness.with { harness in
            await #expect {
                try await harness.withPrepared(
                    sample("photo.jpg"), fields: .init(channelID: "chn_abc123", contactID: contact, content: long)
                ) { _ in }
            } throws: { "\($0)".contains("over the limit of 1024") }
            #expect(harness.sandbox.requestCount == 0)

            let body = try json([
                "channel_id": "chn_abc123", "contact_id": contact, "media_type": "image",
                "media_data": "https://example.com/a.jpg", "content": long,
            ])
            let (status, message) = try await harness.post(body, key: apiKey)
            #expect(status == 400)
            #expect(message?.contains("1024") == true)
        }
    }

    @Test func missingOrWrongKeyIs401WithAClearMessage() async throws {
        try await Harness.with(key: "sk-wrong-key") { harness in
            try await harness.withPrepared(sample("invoice.pdf")) { prepared in
                do {
                    _ = try await harness.client.send(prepared.payload)
                    Issue.record("a wrong key was accepted")
                } catch let error as SendMediaError {
                    #expect(error.kind == .unauthorized)
                    #expect(error.status == 401)
                    #expect(error.serverMessage == "API key is invalid")
                    #expect(error.hint.contains("WAMEDIA_API_KEY"))
                    #expect(!"\(error)".contains("sk-wrong-key"))
                }
                let (status, message) = try await harness.post(try json(["media_type": "image"]), key: nil)
                #expect(status == 401)
                #expect(message?.contains("missing") == true)
            }
        }
    }

    @Test func unknownContactIs404() async throws {
        try await Harness.with { harness in
            try await harness.withPrepared(
                sample("invoice.pdf"),
                fields: .init(channelID: "chn_abc123", contactID: SandboxConfiguration.unknownContactID)
            ) { prepared in
                await #expect { try await harness.client.send(prepared.payload) } throws: { error in
                    let error = try #require(error as? SendMediaError)
                    return error.kind == .notFound && error.status == 404 && error.serverMessage == "contact not found"
                }
            }
        }
    }

    @Test func threadAloneIsAccepted() async throws {
        let thread = "b2c3d4e5-f6a7-8901-bcde-f12345678901"
        try await Harness.with { harness in
            try await harness.withPrepared(
                sample("invoice.pdf"), fields: .init(threadID: thread, saveMessage: false)
            ) { prepared in
                let result = try await harness.client.send(prepared.payload)
                #expect(result.threadID == thread)
                #expect(result.message == "Media enviado")
            }
        }
    }

    @Test func injected500IsNotRetriedByDefault() async throws {
        try await Harness.with { harness in
            harness.sandbox.failNext(1)
            try await harness.withPrepared(sample("invoice.pdf")) { prepared in
                await #expect { try await harness.client.send(prepared.payload) } throws: { error in
                    let error = try #require(error as? SendMediaError)
                    return error.kind == .serverError && error.status == 500 && error.attempts == 1
                        && error.serverMessage?.contains("injected") == true
                }
                #expect(harness.sandbox.requestCount == 1)
            }
        }
    }

    @Test func injected500IsRetriedWhenAskedTo() async throws {
        try await Harness.with(retryOnServerError: true) { harness in
            harness.sandbox.failNext(1)
            let result = try await harness.withPrepared(sample("invoice.pdf")) {
                try await harness.client.send($0.payload)
            }
            #expect(result.attempts == 2)
            #expect(harness.sandbox.requestCount == 2)
        }
    }

    @Test func serverDownGivesACleanErrorAfterRetries() async throws {
        let sandbox = try SandboxServer()
        let baseURL = try await sandbox.start()
        await sandbox.stop()
        let client = try SendMediaClient(
            configuration: .init(baseURL: baseURL, apiKey: apiKey, maxAttempts: 3, retryDelay: .milliseconds(10)))
        defer { Task { try? await client.shutdown() } }
        let payload = try SendMediaPayload(
            SendMediaRequest(
                channelID: "chn_a", contactID: contact, mediaType: .document,
                mediaData: .file(path: sample("invoice.pdf"))))
        let started = ContinuousClock.now
        await #expect { try await client.send(payload) } throws: { error in
            let error = try #require(error as? SendMediaError)
            return error.kind == .connectionFailed && error.attempts == 3
                && error.message.contains("connection refused")
                && error.status == nil
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        try await client.shutdown()
    }

    @Test func contentLengthMatchesTheBodyExactly() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A PDF header and random bytes: a multi-chunk document that detection calls a PDF.
        let path = directory.appendingPathComponent("big.pdf").path
        var bytes = Array("%PDF-1.4\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".utf8)
        bytes += (0..<1_000_003).map { _ in UInt8.random(in: 0...255) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try await Harness.with { harness in
            try await harness.withPrepared(path, as: .document) { prepared in
                let progress = Mutex<[Int]>([])
                _ = try await harness.client.send(prepared.payload) { sent, _ in progress.withLock { $0.append(sent) } }
                let receipt = try #require(harness.sandbox.receipts.last)
                #expect(receipt.contentLength == prepared.payload.contentLength)
                #expect(receipt.bodyBytes == prepared.payload.contentLength)
                #expect(receipt.mediaBytes == bytes.count)
                #expect(receipt.detectedMIME == "application/pdf")
                let reported = progress.withLock { $0 }
                #expect(reported.last == prepared.payload.contentLength)
                #expect(reported == reported.sorted())
                let stored = try Data(contentsOf: URL(fileURLWithPath: try #require(receipt.storedPath)))
                #expect(stored == Data(bytes))
            }
        }
    }

    @Test func sandboxRefusesBadBodies() async throws {
        try await Harness.with { harness in
            let cases: [([String: Any], String)] = [
                (["contact_id": contact, "media_type": "image", "media_data": "https://e.com/a.jpg"], "channel_id"),
                (["channel_id": "chn_a", "contact_id": contact, "media_data": "https://e.com/a.jpg"], "media_type"),
                (
                    [
                        "channel_id": "chn_a", "contact_id": contact, "media_type": "sticker",
                        "media_data": "https://e.com/a.jpg",
                    ], "media_type"
                ),
                (["channel_id": "chn_a", "contact_id": contact, "media_type": "image"], "media_data"),
                (
                    [
                        "channel_id": "chn_a", "contact_id": contact, "media_type": "document",
                        "media_data": "JVBERi0x!!",
                    ], "base64"
                ),
                (
                    ["channel_id": "chn_a", "contact_id": contact, "media_type": "document", "media_data": "JVBERi0"],
                    "multiple of 4"
                ),
                // A real PNG sent as a document: detection and validation refuse it.
                (
                    [
                        "channel_id": "chn_a", "contact_id": contact, "media_type": "document",
                        "media_data": try Data(contentsOf: URL(fileURLWithPath: sample("logo.png")))
                            .base64EncodedString(),
                    ], "document"
                ),
                (
                    [
                        "channel_id": SandboxConfiguration.nonWABAChannelID, "contact_id": contact,
                        "media_type": "image", "media_data": "https://e.com/a.jpg",
                    ], "WABA"
                ),
            ]
            for (object, expected) in cases {
                let (status, message) = try await harness.post(try json(object), key: apiKey)
                #expect(status == 400, "\(object.keys.sorted())")
                #expect(message?.contains(expected) == true, "\(message ?? "no message") should mention \(expected)")
            }
            let (status, _) = try await harness.post(Array("{\"channel_id\": [1]}".utf8), key: apiKey)
            #expect(status == 400)
        }
    }

    @Test func sandboxAcceptsAnyJSONEncodersBody() async throws {
        // Escaped slashes (`\/`) in base64 and URLs, other key order, whitespace.
        let pdf = try Data(contentsOf: URL(fileURLWithPath: sample("invoice.pdf")))
        let base64 = pdf.base64EncodedString().replacingOccurrences(of: "/", with: "\\/")
        let body =
            "{ \"media_data\" : \"\(base64)\",\n \"media_type\":\"document\", \"contact_id\":\"\(contact)\", \"channel_id\":\"chn_a\", \"file_name\":\"inv\\u00f3ice.pdf\", \"save_message\": false }"
        try await Harness.with { harness in
            let (status, _) = try await harness.post(Array(body.utf8), key: apiKey)
            #expect(status == 200)
            let receipt = try #require(harness.sandbox.receipts.last)
            #expect(receipt.fileName == "invóice.pdf")
            #expect(receipt.saveMessage == false)
            let stored = try Data(contentsOf: URL(fileURLWithPath: try #require(receipt.storedPath)))
            #expect(stored == pdf)
        }
    }

    @Test func keyNeverAppearsInLogsErrorsOrResults() async throws {
        let logs = LogRecorder()
        var texts: [String] = []
        try await Harness.with(logs: logs) { harness in
            let result = try await harness.withPrepared(sample("invoice.pdf")) {
                try await harness.client.send($0.payload)
            }
            texts.append("\(result)")
            texts.append(String(decoding: try JSONEncoder().encode(result), as: UTF8.self))
            harness.sandbox.failNext(1)
            let failure: SendMediaError? = try await harness.withPrepared(sample("invoice.pdf")) { again in
                do {
                    _ = try await harness.client.send(again.payload)
                    return nil
                } catch let error as SendMediaError {
                    return error
                }
            }
            if let error = failure {
                texts.append("\(error)")
                texts.append(error.message + error.hint + (error.serverMessage ?? ""))
            }
            texts.append("\(harness.sandbox.receipts)")
            for receipt in try FileManager.default.subpathsOfDirectory(atPath: harness.store.path)
            where receipt.hasSuffix(".json") {
                texts.append(
                    try String(contentsOfFile: harness.store.appendingPathComponent(receipt).path, encoding: .utf8))
            }
        }
        texts.append(logs.text)
        #expect(!logs.text.isEmpty)
        for text in texts { #expect(!text.contains(apiKey)) }
    }
}
