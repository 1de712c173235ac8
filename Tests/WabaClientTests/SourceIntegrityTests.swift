import Foundation
import Synchronization
import TestSupport
import Testing
import WabaClient
import WabaMedia
import WabaSandbox

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback HTTP server that reads request bodies slowly and answers 200 only to a complete one,
/// so a test can act while an upload is under way.
final class SlowReadingServer: Sendable {
    let port: Int
    private let listener: Int32
    /// Body bytes received so far, and whether a whole request arrived.
    final class Progress: Sendable {
        let state = Mutex<(bytes: Int, complete: Bool)>((0, false))
    }
    let received = Progress()

    init(bytesPerRead: Int = 64 * 1024, pause: Duration = .milliseconds(20)) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) }
        }
        guard bound == 0, listen(listener, 4) == 0 else { throw FixtureError("cannot listen on loopback") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let received = self.received
        Thread.detachNewThread {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            defer { close(connection) }
            // A small receive buffer keeps the client's writes waiting on this reader.
            var small: Int32 = 16 * 1024
            setsockopt(connection, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
            var header: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: bytesPerRead)
            var contentLength = -1
            var body = 0
            let deadline = ContinuousClock.now + .seconds(120)
            while ContinuousClock.now < deadline {
                let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, bytesPerRead, 0) }
                if count <= 0 { return }
                if contentLength < 0 {
                    header += buffer[..<count]
                    guard let end = Self.headerEnd(header) else { continue }
                    contentLength = Self.contentLength(header[..<end]) ?? 0
                    body = header.count - end
                } else {
                    body += count
                }
                received.state.withLock { $0.bytes = body }
                if body >= contentLength {
                    received.state.withLock { $0.complete = true }
                    let answer = Array(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}"
                            .utf8)
                    _ = answer.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, 0) }
                    return
                }
                Thread.sleep(forTimeInterval: Double(pause.components.attoseconds) / 1e18)
            }
        }
    }

    deinit { close(listener) }

    private static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 3..<bytes.count
        where bytes[index - 3] == 13 && bytes[index - 2] == 10 && bytes[index - 1] == 13 && bytes[index] == 10 {
            return index + 1
        }
        return nil
    }

    private static func contentLength(_ header: ArraySlice<UInt8>) -> Int? {
        let text = String(decoding: header, as: UTF8.self).lowercased()
        guard let line = text.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }) else {
            return nil
        }
        return Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
    }
}

/// The bytes checked are the bytes sent: a file replaced or rewritten between check and upload.
@Suite(.serialized) struct SourceIntegrityTests {
    @Test("a file swapped after its check is sent as it was checked")
    func swappedFileSendsTheCheckedBytes() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("photo.jpg").path
        let truncated = folder.appendingPathComponent("truncated.jpg").path
        try FileManager.default.copyItem(atPath: sample("photo.jpg"), toPath: path)
        try FileManager.default.copyItem(atPath: sample("truncated.jpg"), toPath: truncated)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        try await Harness.with { harness in
            for round in 0..<3 {
                if round > 0 { try FileManager.default.copyItem(atPath: sample("photo.jpg"), toPath: path) }
                try FileManager.default.copyItem(atPath: sample("truncated.jpg"), toPath: truncated + "\(round)")
                _ = try await harness.withPrepared(path, as: .image) { prepared in
                    // Another program replaces the file between the check and the upload.
                    #expect(rename(truncated + "\(round)", path) == 0)
                    return try await harness.client.send(prepared.payload)
                }
                let receipt = try #require(harness.sandbox.receipts.last)
                #expect(receipt.status == 200)
                let stored = try Data(contentsOf: URL(fileURLWithPath: try #require(receipt.storedPath)))
                #expect(stored == original)
                try FileManager.default.removeItem(atPath: path)
            }
        }
    }

    @Test("a file rewritten in place during a slow upload fails the send before the body completes")
    func rewrittenDuringUploadFails() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        // A 20 MB PDF: a real header, then filler, so it is checked and sent as is.
        let path = folder.appendingPathComponent("large.pdf").path
        var content = Array(try Data(contentsOf: URL(fileURLWithPath: sample("invoice.pdf"))))
        content += [UInt8](repeating: 0x20, count: 20_000_000 - content.count)
        try Data(content).write(to: URL(fileURLWithPath: path))

        let server = try SlowReadingServer()
        let client = try SendMediaClient(
            configuration: .init(baseURL: "http://127.0.0.1:\(server.port)", apiKey: "sk-test"))
        let preparer = try MediaPreparer(executor: .tests)
        let outcome: Result<SendMediaResult, any Error> = await capturing {
            try await preparer.withPreparedMessage(
                path, as: .document, fields: .init(channelID: "chn_abc123", contactID: contact)
            ) { prepared in
                async let sent = client.send(prepared.payload)
                // Once the upload is under way, another program writes into the file, same size.
                for _ in 0..<1_000 {
                    if server.received.state.withLock({ $0.bytes }) > 1_000_000 { break }
                    try await Task.sleep(for: .milliseconds(10))
                }
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
                try handle.seek(toOffset: 15_000_000)
                try handle.write(contentsOf: Data(repeating: 0x41, count: 4096))
                try handle.close()
                return try await sent
            }
        }
        try await client.shutdown()
        guard case .failure(let error) = outcome else {
            Issue.record("a file rewritten during its upload was reported sent")
            return
        }
        #expect("\(error)".contains("changed while it was being read"), "\(error)")
        #expect(server.received.state.withLock { $0.complete } == false)
    }
}

/// What an async body returned or threw.
func capturing<Success>(_ body: () async throws -> Success) async -> Result<Success, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}
