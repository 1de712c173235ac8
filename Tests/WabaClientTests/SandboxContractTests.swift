import AsyncHTTPClient
import Foundation
import NIOCore
import TestSupport
import Testing
import WabaMedia
import WabaSandbox

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A raw loopback connection to the sandbox, for requests no well-behaved client would make.
final class RawConnection {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = try LoopbackSocket.connected(port: port)
    }

    deinit { close(descriptor) }

    /// Writes all of `bytes`; false when the server closed the connection.
    @discardableResult
    func transmit(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    /// What the server sent within `seconds`, until it closed; nil when it still holds the connection open.
    func readUntilClosed(seconds: Double) -> String? {
        var received: [UInt8] = []
        var block = [UInt8](repeating: 0, count: 4096)
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let count = block.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return String(decoding: received, as: UTF8.self) }
            received += block[0..<count]
        }
        return nil
    }
}

@Suite("the sandbox answers as the API contract does", .serialized)
struct SandboxContractTests {
    static let key = "sk-sandbox-contract"

    func withSandbox(
        _ configuration: SandboxConfiguration = SandboxConfiguration(apiKey: key),
        _ body: (SandboxServer, Int) async throws -> Void
    ) async throws {
        let sandbox = try SandboxServer(configuration: configuration)
        let url = try await sandbox.start()
        let port = try #require(Int(url.split(separator: ":").last ?? ""))
        do {
            try await body(sandbox, port)
        } catch {
            await sandbox.stop()
            throw error
        }
        await sandbox.stop()
    }

    func post(
        _ port: Int, _ object: [String: Any], contentType: String = "application/json", key: String = key
    ) async throws -> (Int, [String: Any]) {
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/waba/send-media")
        request.method = .POST
        request.headers.add(name: "x-api-key", value: key)
        request.headers.add(name: "content-type", value: contentType)
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object)))
        let response = try await http.execute(request, timeout: .seconds(30))
        let data = try await response.body.collect(upTo: 1 << 20)
        try await http.shutdown()
        let answer = (try? JSONSerialization.jsonObject(with: Data(data.readableBytesView)) as? [String: Any]) ?? [:]
        return (Int(response.status.code), answer)
    }

    func message(_ media: String, type: String = "image") -> [String: Any] {
        ["channel_id": "chn_a", "contact_id": contact, "media_type": type, "media_data": media]
    }

    @Test("a body that is not declared JSON is refused, as the API refuses it")
    func textPlainIsRefused() async throws {
        try await withSandbox { _, port in
            let (status, answer) = try await post(
                port, message("https://example.com/a.jpg"), contentType: "text/plain")
            #expect(status == 400)
            #expect((answer["message"] as? String)?.contains("application/json") == true)
            let (charset, _) = try await post(
                port, message("https://example.com/a.jpg"), contentType: "application/json; charset=utf-8")
            #expect(charset == 200)
        }
    }

    @Test(
        "media URLs the platform could not fetch are refused",
        arguments: [
            "http://127.0.0.1/a.jpg", "https://10.1.2.3/a.jpg", "https://192.168.0.9:8443/a.jpg",
            "https://169.254.169.254/latest/meta-data", "http://[::1]/a.jpg", "http://localhost:8080/a.jpg",
            "https://media.localhost/a.jpg", "https://127.0.0.1:99999/a.jpg",
        ])
    func unreachableMediaURLs(url: String) async throws {
        try await withSandbox { _, port in
            let (status, answer) = try await post(port, message(url))
            #expect(status == 400, "\(url)")
            #expect(answer["success"] as? Bool == false)
        }
    }

    @Test("the sandbox's own media_url is taken again, so a rehearsal can reuse an upload")
    func ownMediaURLIsAccepted() async throws {
        let store = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: store) }
        try await withSandbox(SandboxConfiguration(apiKey: Self.key, storeDirectory: store.path)) { _, port in
            let pdf = try Data(contentsOf: URL(fileURLWithPath: sample("invoice.pdf"))).base64EncodedString()
            let (status, answer) = try await post(port, message(pdf, type: "document"))
            #expect(status == 200)
            let mediaURL = try #require((answer["data"] as? [String: Any])?["media_url"] as? String)
            #expect(mediaURL.hasPrefix("http://127.0.0.1:"))
            let (again, _) = try await post(port, message(mediaURL, type: "document"))
            #expect(again == 200)
            let (other, _) = try await post(port, message(mediaURL + "-other", type: "document"))
            #expect(other == 400, "only the URLs it issued")
        }
    }

    @Test("a body announced over the limit is refused at once, before it is sent")
    func announcedTooLarge() async throws {
        try await withSandbox { _, port in
            let connection = try RawConnection(port: port)
            connection.transmit(
                Array(
                    "POST /v1/waba/send-media HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: \(Self.key)\r\nContent-Type: application/json\r\nContent-Length: 300000000\r\n\r\n"
                        .utf8))
            let answer = try #require(connection.readUntilClosed(seconds: 15), "the sandbox must answer and close")
            #expect(answer.hasPrefix("HTTP/1.1 413"))
        }
    }

    @Test("a chunked body that grows past the limit is cut off with 413 while it arrives")
    func chunkedTooLarge() async throws {
        let configuration = SandboxConfiguration(apiKey: Self.key, maxBodyBytes: 200_000)
        try await withSandbox(configuration) { _, port in
            let connection = try RawConnection(port: port)
            connection.transmit(
                Array(
                    "POST /v1/waba/send-media HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: \(Self.key)\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                        .utf8))
            let spaces = [UInt8](repeating: UInt8(ascii: " "), count: 16 * 1024)
            let block = Array(String(spaces.count, radix: 16).utf8) + [13, 10] + spaces + [13, 10]
            // Far more than loopback's socket buffers hold (they grow to tens of MB on some kernels),
            // so only a closed connection stops the writes.
            let whole = 256_000_000
            var sent = 0
            while sent < whole, connection.transmit(block) { sent += block.count }
            let answer = try #require(connection.readUntilClosed(seconds: 15), "the sandbox must answer and close")
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer.prefix(200))")
            #expect(sent < whole, "the connection was closed before the whole body went out")
        }
    }

    @Test("media over its type's limit is refused while it arrives, never stored whole")
    func mediaOverTheLimitStopsEarly() async throws {
        let store = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: store) }
        let configuration = SandboxConfiguration(apiKey: Self.key, storeDirectory: store.path)
        try await withSandbox(configuration) { sandbox, port in
            let connection = try RawConnection(port: port)
            connection.transmit(
                Array(
                    "POST /v1/waba/send-media HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: \(Self.key)\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                        .utf8))
            func chunk(_ bytes: [UInt8]) -> [UInt8] {
                Array(String(bytes.count, radix: 16).utf8) + [13, 10] + bytes + [13, 10]
            }
            connection.transmit(chunk(Array("{\"media_type\": \"image\", \"media_data\": \"".utf8)))
            let block = chunk([UInt8](repeating: UInt8(ascii: "A"), count: 64 * 1024))
            // 40 MB of base64 (30 MB decoded) for an image limited to 5 MB: the sandbox stops long before.
            var sent = 0
            while sent < 40_000_000, connection.transmit(block) { sent += block.count }
            let answer = try #require(connection.readUntilClosed(seconds: 10), "the sandbox must answer and close")
            #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer.prefix(200))")
            #expect(answer.contains("over the limit for image"))
            #expect(sent < 40_000_000, "the connection was closed before the whole body went out")
            let limit = MediaProfile.whatsappCloud.maxBytes(for: .image)
            let stored = FileManager.default.enumerator(atPath: store.path)?.allObjects.count ?? 0
            #expect(stored == 0, "a refused upload leaves nothing behind")
            #expect((sandbox.receipts.last?.bodyBytes ?? .max) < limit * 2)
        }
    }

    @Test("slow-header sockets are cut off after the header timeout; the sandbox keeps answering")
    func slowlorisIsCutOff() async throws {
        let configuration = SandboxConfiguration(apiKey: Self.key, headerTimeout: .seconds(1), idleTimeout: .seconds(2))
        try await withSandbox(configuration) { _, port in
            let head = Array("POST /v1/waba/send-media HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: ".utf8)
            let sockets = try (0..<8).map { _ in try RawConnection(port: port) }
            let started = ContinuousClock.now
            var open = Set(sockets.indices)
            var byte = 0
            // One byte per socket every 200 ms, for at most 6 s: each must be closed on the way.
            while !open.isEmpty, ContinuousClock.now - started < .seconds(6) {
                for index in open where !sockets[index].transmit([head[byte % head.count]]) { open.remove(index) }
                for index in open where sockets[index].readUntilClosed(seconds: 0.01) != nil { open.remove(index) }
                byte += 1
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(open.isEmpty, "\(open.count) slow sockets were still held open")
            let (status, _) = try await post(port, message("https://example.com/a.jpg"))
            #expect(status == 200, "the sandbox still answers others")
        }
    }

    @Test("a body that stops arriving is cut off after the idle timeout")
    func idleBodyIsCutOff() async throws {
        let configuration = SandboxConfiguration(apiKey: Self.key, headerTimeout: .seconds(1), idleTimeout: .seconds(1))
        try await withSandbox(configuration) { _, port in
            let connection = try RawConnection(port: port)
            connection.transmit(
                Array(
                    "POST /v1/waba/send-media HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: \(Self.key)\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"media_type\""
                        .utf8))
            #expect(connection.readUntilClosed(seconds: 8) != nil, "the connection must be closed")
        }
    }

    /// Files Meta's media page does not accept as they are, each with the finding that says so.
    static func filesMetaRefuses() throws -> [(path: String, type: String, code: String)] {
        let folder = try temporaryDirectory()
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        func ffmpeg(_ arguments: [String]) throws { _ = try runTool("ffmpeg", ["-v", "error", "-y"] + arguments) }
        try ffmpeg(["-f", "lavfi", "-i", "sine=d=1", "-ac", "2", "-c:a", "libopus", path("stereo.ogg")])
        try ffmpeg([
            "-f", "lavfi", "-i", "testsrc=d=1:s=320x240:r=25", "-c:v", "libx264", "-profile:v", "high", "-bf", "2",
            "-pix_fmt", "yuv420p", "-movflags", "+faststart", path("high.mp4"),
        ])
        _ = try runTool("convert", ["-size", "64x48", "gradient:black-white", "-colorspace", "Gray", path("grey.png")])
        return [
            (path("stereo.ogg"), "audio", "voice-note-channels"), (path("high.mp4"), "video", "h264-profile"),
            (path("grey.png"), "image", "colour-model"),
        ]
    }

    @Test("the sandbox's own check is Meta's page: stereo Opus, H.264 High and greyscale are refused as uploaded")
    func uploadsMetaRefusesAreRefused() async throws {
        try await withSandbox { sandbox, port in
            for (path, type, code) in try Self.filesMetaRefuses() {
                let media = try Data(contentsOf: URL(fileURLWithPath: path)).base64EncodedString()
                let (status, answer) = try await post(port, message(media, type: type))
                #expect(status == 400, "\(path)")
                let said = answer["message"] as? String ?? ""
                #expect(said.contains(code), "\(path): \(said)")
            }
            #expect(await sandbox.counts().accepted == 0)
        }
    }
}
