import Foundation
import TestSupport
import Testing
import WabaGateway
import WabaMedia
import WabaSandbox

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The gateway in front of the sandbox, both on loopback: what goes through, what is converted on
/// its way, and what is answered without going upstream.
@Suite("the gateway passes requests upstream, preparing each file", .serialized)
struct GatewayTests {
    typealias Harness = GatewayHarness

    @Test("a conforming PDF goes through byte for byte, once, and the upstream's answer comes back")
    func conformingPDF() async throws {
        try await Harness.with { harness in
            let pdf = sample("invoice.pdf")
            let answer = try await Harness.post(
                try Harness.message(file: pdf, type: "document", extra: ["file_name": "invoice.pdf"]),
                to: harness.gatewayURL)
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.json["success"] as? Bool == true)
            #expect(answer.header("Wamedia-Verdict") == "ok")
            #expect(answer.header("Wamedia-Action") == "kept")
            let requestID = try #require(answer.header("Wamedia-Request-Id"))
            #expect(requestID.hasPrefix("req-"))

            let accepted = await harness.sandbox.acceptedMessages()
            try #require(accepted.count == 1)
            #expect(accepted[0].messageID == (answer.json["data"] as? [String: Any])?["message_id"] as? String)
            #expect(accepted[0].contactID == Harness.contact)
            #expect(harness.sandbox.requestCount == 1)
            let receipt = try #require(harness.sandbox.receipts.first)
            #expect(receipt.fileName == "invoice.pdf")
            // Streamed with its exact length: what was announced is what arrived.
            #expect(receipt.contentLength != nil && receipt.contentLength == receipt.bodyBytes)
            let stored = try #require(receipt.storedPath)
            #expect(try Data(contentsOf: URL(fileURLWithPath: stored)) == Data(contentsOf: URL(fileURLWithPath: pdf)))

            // The report is kept under the request id.
            let report = try await Harness.get(harness.gatewayURL + "/v1/reports/" + requestID)
            #expect(report.status == 200)
            #expect(report.json["action"] as? String == "kept")
            #expect(report.json["upstream_status"] as? Int == 200)
            #expect(!report.text.contains(harness.scratch.path), "the report names no temporary path")
            #expect(harness.requestFolders().isEmpty, "\(harness.requestFolders())")
        }
    }

    @Test("a WebP photo arrives as a JPEG")
    func webpBecomesJPEG() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let webp = folder.appendingPathComponent("photo.webp").path
        try runTool("vips", ["copy", sample("photo.jpg"), webp])
        try await Harness.with { harness in
            let answer = try await Harness.post(
                try Harness.message(file: webp, type: "image", extra: ["content": "Our new catalogue"]),
                to: harness.gatewayURL)
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.header("Wamedia-Verdict") == "fixable")
            #expect(answer.header("Wamedia-Action") == "fitted-image")
            let receipt = try #require(harness.sandbox.receipts.first)
            #expect(receipt.status == 200)
            #expect(receipt.detectedMIME == .jpeg)
            #expect(receipt.content == "Our new catalogue")
            #expect(receipt.fileName?.hasSuffix(".jpg") == true, "\(receipt.fileName ?? "no name")")
            #expect(await harness.sandbox.acceptedMessages().count == 1)
        }
    }

    @Test("a WAV recording arrives as an OGG Opus voice note")
    func wavBecomesOpus() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let wav = folder.appendingPathComponent("memo.wav").path
        try runTool(
            "ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-ac", "1", "-y", wav])
        try await Harness.with { harness in
            let answer = try await Harness.post(try Harness.message(file: wav, type: "audio"), to: harness.gatewayURL)
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.header("Wamedia-Action") == "transcoded")
            let receipt = try #require(harness.sandbox.receipts.first)
            #expect(receipt.detectedMIME == .ogg)
            let stored = try #require(receipt.storedPath)
            let codec = try runTool(
                "ffprobe",
                [
                    "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=codec_name", "-of",
                    "csv=p=0", stored,
                ])
            #expect(codec.trimmingCharacters(in: .whitespacesAndNewlines) == "opus")
            #expect(harness.requestFolders().isEmpty)
        }
    }

    @Test("a file that cannot be sent is answered 400 with its findings, and nothing goes upstream")
    func rejectedFile() async throws {
        try await Harness.with { harness in
            let answer = try await Harness.post(
                try Harness.message(file: sample("truncated.jpg"), type: "image"), to: harness.gatewayURL)
            #expect(answer.status == 400, "\(answer.text)")
            #expect(answer.json["success"] as? Bool == false)
            #expect(answer.json["code"] as? String == "media_rejected")
            #expect(answer.header("Wamedia-Request-Id") != nil)
            let findings = try #require(answer.json["findings"] as? [[String: Any]])
            #expect(!findings.isEmpty)
            for finding in findings {
                #expect(finding["code"] is String && finding["message"] is String && finding["hint"] is String)
            }
            #expect(!answer.text.contains(harness.scratch.path), "\(answer.text)")
            #expect(harness.sandbox.requestCount == 0)
            #expect(harness.requestFolders().isEmpty)
        }
    }

    @Test("a wrong key gets the upstream's 401 body unchanged")
    func wrongKey() async throws {
        try await Harness.with { harness in
            let message = try Harness.message(file: sample("invoice.pdf"), type: "document")
            let direct = try await Harness.post(message, to: harness.sandboxURL, key: "sk-wrong")
            let through = try await Harness.post(message, to: harness.gatewayURL, key: "sk-wrong")
            #expect(direct.status == 401)
            #expect(through.status == 401)
            #expect(through.body == direct.body, "\(through.text) / \(direct.text)")
            #expect(through.header("Content-Type") == direct.header("Content-Type"))
            #expect(await harness.sandbox.acceptedMessages().isEmpty)
        }
    }

    @Test("an upstream failure comes back unchanged, and the request is not sent again")
    func upstreamFailureIsNotRetried() async throws {
        try await Harness.with { harness in
            harness.sandbox.failNext(1)
            let message = try Harness.message(file: sample("invoice.pdf"), type: "document")
            let answer = try await Harness.post(message, to: harness.gatewayURL)
            #expect(answer.status == 500, "\(answer.text)")
            #expect(answer.json["success"] as? Bool == false)
            #expect(answer.json["code"] == nil, "the upstream's own body: \(answer.text)")
            #expect(answer.header("Wamedia-Action") == "kept")
            #expect(harness.sandbox.requestCount == 1)
            #expect(await harness.sandbox.acceptedMessages().isEmpty)
        }
    }

    @Test("an upstream that cannot be reached is 502 upstream_unreachable")
    func unreachableUpstream() async throws {
        // A port that was free a moment ago: nothing listens there.
        let (descriptor, port) = try LoopbackSocket.listening(backlog: 1)
        close(descriptor)
        try await Harness.with({ $0.upstream = "http://127.0.0.1:\(port)" }) { harness in
            let answer = try await Harness.post(
                try Harness.message(file: sample("invoice.pdf"), type: "document"), to: harness.gatewayURL)
            #expect(answer.status == 502, "\(answer.text)")
            #expect(answer.json["code"] as? String == "upstream_unreachable")
            #expect(harness.requestFolders().isEmpty)
        }
    }

    @Test("bad base64 is 400 invalid_media_data, saying where, and nothing goes upstream")
    func badBase64() async throws {
        try await Harness.with { harness in
            let answer = try await Harness.post(
                Harness.message(media: "JVBERi0xLjQK*AAA", type: "document"), to: harness.gatewayURL)
            #expect(answer.status == 400)
            #expect(answer.json["code"] as? String == "invalid_media_data")
            let message = try #require(answer.json["message"] as? String)
            #expect(message.contains("'*' at position 12"), "\(message)")
            let empty = try await Harness.post(Harness.message(media: "", type: "document"), to: harness.gatewayURL)
            #expect(empty.status == 400)
            #expect(empty.json["code"] as? String == "invalid_media_data")
            #expect(harness.sandbox.requestCount == 0)
            #expect(harness.requestFolders().isEmpty)
        }
    }

    @Test("a body announced over the limit is 413 before any of it is sent")
    func oversizedBody() async throws {
        try await Harness.with { harness in
            let limit = harness.gateway.configuration.bodyLimit
            let connection = try LoopbackSocket.connected(port: harness.gatewayPort)
            defer { close(connection) }
            let head =
                "POST /v1/waba/send-media HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "x-api-key: \(Harness.key)\r\nContent-Length: \(limit + 1)\r\n\r\n"
            _ = head.utf8CString.withUnsafeBufferPointer {
                send(connection, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL))
            }
            let answer = try #require(LoopbackSocket.readHead(connection))
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer)")
            #expect(harness.sandbox.requestCount == 0)
        }
    }

    @Test("a body without a length is refused with 413 as soon as it passes the limit")
    func oversizedChunkedBody() async throws {
        try await Harness.with({ $0.maxBodyBytes = 64 << 10 }) { harness in
            let connection = try LoopbackSocket.connected(port: harness.gatewayPort)
            defer { close(connection) }
            let start =
                #"{"channel_id":"chn_gateway","contact_id":"\#(Harness.contact)","media_type":"document","media_data":""#
            let chunk = Array(start.utf8) + [UInt8](repeating: UInt8(ascii: "A"), count: 80 << 10)
            let head =
                "POST /v1/waba/send-media HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "x-api-key: \(Harness.key)\r\nTransfer-Encoding: chunked\r\n\r\n"
                + String(chunk.count, radix: 16) + "\r\n"
            let bytes = Array(head.utf8) + chunk + Array("\r\n".utf8)
            _ = bytes.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            let answer = try #require(LoopbackSocket.readHead(connection))
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer)")
            #expect(harness.sandbox.requestCount == 0)
            var left = harness.requestFolders()
            for _ in 0..<100 where !left.isEmpty {
                try await Task.sleep(for: .milliseconds(50))
                left = harness.requestFolders()
            }
            #expect(left.isEmpty, "\(left)")
        }
    }

    @Test("a client that disconnects mid-upload leaves no temporary file, and nothing is sent")
    func disconnectMidUpload() async throws {
        try await Harness.with { harness in
            let connection = try LoopbackSocket.connected(port: harness.gatewayPort)
            let start =
                #"{"channel_id":"chn_gateway","contact_id":"\#(Harness.contact)","media_type":"document","media_data":""#
            let head =
                "POST /v1/waba/send-media HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "x-api-key: \(Harness.key)\r\nContent-Length: \(8 << 20)\r\n\r\n" + start
            let part = Array(head.utf8) + [UInt8](repeating: UInt8(ascii: "A"), count: 256 << 10)
            _ = part.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            // The upload is being decoded into a folder of the request's own.
            var sawUpload = false
            for _ in 0..<100 where !sawUpload {
                sawUpload = harness.requestFolders().contains {
                    FileManager.default.fileExists(atPath: harness.scratch.appendingPathComponent("\($0)/upload").path)
                }
                if !sawUpload { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(sawUpload, "the gateway decodes the upload as it arrives")
            close(connection)
            var left = harness.requestFolders()
            for _ in 0..<100 where !left.isEmpty {
                try await Task.sleep(for: .milliseconds(50))
                left = harness.requestFolders()
            }
            #expect(left.isEmpty, "\(left)")
            #expect(harness.sandbox.requestCount == 0)
        }
    }

    @Test("a public link is passed on unchanged; a loopback one is refused unless allowed")
    func links() async throws {
        try await Harness.with { harness in
            let link = "https://93.184.216.34/catalog/product.jpg"
            let answer = try await Harness.post(Harness.message(media: link, type: "image"), to: harness.gatewayURL)
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.header("Wamedia-Action") == "link")
            let accepted = await harness.sandbox.acceptedMessages()
            #expect(accepted.first?.mediaURL == link)

            let loopback = try await Harness.post(
                Harness.message(media: "http://127.0.0.1:9/a.jpg", type: "image"), to: harness.gatewayURL)
            #expect(loopback.status == 400)
            #expect(loopback.json["code"] as? String == "link_refused")
            #expect(harness.sandbox.requestCount == 1)
        }
        try await Harness.with({ $0.allowPrivateLinks = true }) { harness in
            // Passed on: the sandbox, as the platform would, refuses a link it could not fetch.
            let answer = try await Harness.post(
                Harness.message(media: "http://127.0.0.1:9/a.jpg", type: "image"), to: harness.gatewayURL)
            #expect(answer.status == 400)
            #expect(answer.header("Wamedia-Action") == "link")
            #expect(answer.json["code"] == nil, "the upstream's own answer: \(answer.text)")
            #expect(harness.sandbox.requestCount == 1)
        }
    }

    @Test("the key is never in the gateway's logs or in an answer of its own")
    func keyNeverShown() async throws {
        try await Harness.with { harness in
            var answers: [Harness.Answer] = []
            let caption = "caption-9d1e7f private words"
            answers.append(
                try await Harness.post(
                    try Harness.message(file: sample("invoice.pdf"), type: "document", extra: ["content": caption]),
                    to: harness.gatewayURL))
            answers.append(
                try await Harness.post(
                    try Harness.message(file: sample("truncated.jpg"), type: "image"), to: harness.gatewayURL))
            answers.append(
                try await Harness.post(Harness.message(media: "QUJD*", type: "document"), to: harness.gatewayURL))
            answers.append(
                try await Harness.post(
                    Harness.message(media: "http://10.0.0.1/a.jpg", type: "image"), to: harness.gatewayURL))
            #expect(answers.map(\.status) == [200, 400, 400, 400])
            for answer in answers {
                #expect(!answer.text.contains(Harness.key))
                #expect(!answer.headers.values.contains { $0.contains(Harness.key) })
            }
            let logs = harness.logs.text
            #expect(logs.contains("send-media passed upstream"), "the gateway logs its requests: \(logs)")
            #expect(!logs.contains(Harness.key))
            #expect(!logs.contains(caption), "captions are not logged either")
        }
    }

    @Test("GET /healthz answers ok; an unknown report is 404")
    func health() async throws {
        try await Harness.with { harness in
            let health = try await Harness.get(harness.gatewayURL + "/healthz")
            #expect(health.status == 200)
            #expect(health.text == "ok")
            let missing = try await Harness.get(harness.gatewayURL + "/v1/reports/req-none")
            #expect(missing.status == 404)
            #expect(missing.json["code"] as? String == "report_not_found")
        }
    }

    @Test("with a client token, requests without it are refused and those with it go through")
    func clientToken() async throws {
        try await Harness.with({ $0.clientToken = "tok-31415" }) { harness in
            let message = Harness.message(media: "https://93.184.216.34/a.jpg", type: "image")
            let refused = try await Harness.post(message, to: harness.gatewayURL)
            #expect(refused.status == 401)
            #expect(refused.json["code"] as? String == "unauthorized")
            let wrong = try await Harness.post(
                message, to: harness.gatewayURL, headers: ["Authorization": "Bearer tok-31416"])
            #expect(wrong.status == 401)
            #expect(harness.sandbox.requestCount == 0)
            let accepted = try await Harness.post(
                message, to: harness.gatewayURL, headers: ["Authorization": "Bearer tok-31415"])
            #expect(accepted.status == 200, "\(accepted.text)")
            #expect(harness.sandbox.requestCount == 1)
            let health = try await Harness.get(harness.gatewayURL + "/healthz")
            #expect(health.status == 200)
        }
    }

    @Test("request folders a killed gateway left behind are removed before it serves")
    func orphanedFoldersRemoved() throws {
        let scratch = try makeTemporaryDirectory("gateway-scratch")
        defer { try? FileManager.default.removeItem(at: scratch) }
        // A folder of a process that is gone: its lock is free.
        let orphan = scratch.appendingPathComponent("wamedia-work.999999.Ab3dE9")
        try FileManager.default.createDirectory(at: orphan, withIntermediateDirectories: true)
        try Data().write(to: orphan.appendingPathComponent(".lock"))
        try Data("half an upload".utf8).write(to: orphan.appendingPathComponent("upload"))
        let unrelated = scratch.appendingPathComponent("other-folder")
        try FileManager.default.createDirectory(at: unrelated, withIntermediateDirectories: true)
        _ = try GatewayServer(
            configuration: GatewayConfiguration(upstream: "http://127.0.0.1:1", temporaryDirectory: scratch.path))
        #expect(!FileManager.default.fileExists(atPath: orphan.path))
        #expect(FileManager.default.fileExists(atPath: unrelated.path))
    }

    @Test("listening beyond loopback without a client token is refused")
    func exposure() throws {
        #expect(throws: WabaMediaError.self) {
            _ = try GatewayServer(configuration: GatewayConfiguration(upstream: "http://127.0.0.1:1", host: "0.0.0.0"))
        }
        #expect(
            GatewayConfiguration(upstream: "http://127.0.0.1:1", host: "0.0.0.0", clientToken: "t").exposureProblem
                == nil)
        #expect(GatewayConfiguration(upstream: "http://127.0.0.1:1", host: "127.0.0.1").exposureProblem == nil)
    }

    @Test("POST /v1/check judges a raw body as wamedia check does, sends nothing and keeps nothing")
    func checkEndpoint() async throws {
        try await Harness.with { harness in
            // The JSON of `wamedia check --format json` for the same file, for comparison.
            let cli = try await offThePool { try wamedia("check", "--format", "json", sample("truncated.jpg")) }
            let expected = try #require(try cli.jsonLines().first)

            let truncated = try await Harness.check(
                sample("truncated.jpg"), query: "media_type=image&file_name=photo.jpg", to: harness.gatewayURL)
            #expect(truncated.status == 200, "\(truncated.text)")
            #expect(truncated.header("Wamedia-Verdict") == "rejected")
            #expect(truncated.json["verdict"] as? String == "rejected")
            #expect(truncated.json["file"] as? String == "photo.jpg", "the client's name, never a temporary path")
            let codes = (truncated.json["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            let expectedCodes = (expected["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            #expect(codes == expectedCodes, "\(truncated.text)")
            #expect(!truncated.text.contains(harness.scratch.path))

            let sticker = try await Harness.check(
                sample("sticker.webp"), query: "media_type=image", to: harness.gatewayURL)
            #expect(sticker.json["verdict"] as? String == "fixable", "\(sticker.text)")
            #expect((sticker.json["planned_steps"] as? [String])?.isEmpty == false, "\(sticker.text)")
            let pdf = try await Harness.check(sample("invoice.pdf"), to: harness.gatewayURL)
            #expect(pdf.json["verdict"] as? String == "ok" && pdf.json["media_type"] as? String == "document")

            let badType = try await Harness.check(
                sample("invoice.pdf"), query: "media_type=sticker", to: harness.gatewayURL)
            #expect(badType.status == 400 && badType.json["code"] as? String == "invalid_request", "\(badType.text)")

            #expect(harness.sandbox.requestCount == 0, "a check sends nothing")
            #expect(harness.requestFolders().isEmpty, "and keeps nothing")
        }
    }
}
