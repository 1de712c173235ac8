import AsyncHTTPClient
import Foundation
import NIOCore
import TestSupport
import Testing
import WabaMedia
import WabaSandbox

@testable import WabaClient

/// A PDF of `bytes` bytes (random content between a real header and trailer), big enough that a
/// server that never reads leaves most of it unsent.
func largeDocument(bytes: Int, in folder: URL) throws -> String {
    let path = folder.appendingPathComponent("large.pdf").path
    var data = Data("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".utf8)
    let block = Data((0..<65_536).map { _ in UInt8.random(in: 0...255) })
    for _ in 0..<(bytes / block.count) { data.append(block) }
    data.append(contentsOf: Array("\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n".utf8))
    try data.write(to: URL(fileURLWithPath: path))
    return path
}

@Suite("servers that misbehave, and what the client says about them", .serialized)
struct HostileServerTests {
    @Test("a server that accepts and never reads ends the send as unknown within the write timeout")
    func silentServerIsAWriteTimeout() async throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let document = try largeDocument(bytes: 24_000_000, in: folder)
        // The server outlives the bound below: a watch that notices late fails that bound, instead of
        // the server's own end resetting the connection and the send saying something else.
        let server = try SilentServer(lifetime: 180)
        defer { server.stop() }
        let client = try SendMediaClient(
            configuration: .init(
                baseURL: server.baseURL, apiKey: apiKey, readTimeout: .seconds(2), writeTimeout: .seconds(2)))
        let payload = try SendMediaPayload(
            SendMediaRequest(
                channelID: "chn_a", contactID: contact, mediaType: .document, mediaData: .file(path: document)))
        let started = ContinuousClock.now
        do {
            _ = try await client.send(payload)
            Issue.record("the send cannot succeed against a server that never reads")
        } catch {
            #expect(error.kind == .unknown, "\(error)")
            #expect(error.message.contains("stopped reading"), "\(error.message)")
            #expect(error.hint.contains("may or may not have been sent"))
            #expect(error.attempts == 1, "a send that may have arrived is never retried by default")
        }
        // It ends (it used to hang for ever). The bound is generous: the watch that notices the
        // stall is a task, and tests running beside this one can keep the few task threads busy.
        #expect(ContinuousClock.now - started < .seconds(120))
        try await client.shutdown()
    }

    @Test("--deadline bounds a send whose server never answers")
    func deadlineBoundsTheSend() async throws {
        let server = try SilentServer()
        defer { server.stop() }
        let client = try SendMediaClient(
            configuration: .init(
                baseURL: server.baseURL, apiKey: apiKey, readTimeout: .seconds(600), writeTimeout: .seconds(600),
                deadline: .seconds(2)))
        let payload = try SendMediaPayload(
            SendMediaRequest(
                channelID: "chn_a", contactID: contact, mediaType: .document,
                mediaData: .file(path: sample("invoice.pdf"))))
        let started = ContinuousClock.now
        do {
            _ = try await client.send(payload)
            Issue.record("the send cannot succeed against a server that never answers")
        } catch {
            #expect(error.kind == .unknown, "\(error)")
            #expect(error.message.contains("deadline"), "\(error.message)")
        }
        // Far below the 600 s timeouts, with room for a loaded machine running every suite at once.
        #expect(ContinuousClock.now - started < .seconds(60))
        try await client.shutdown()
    }

    @Test(
        "bad base URLs, timeouts and keys are refused before any request",
        arguments: [
            ("https://127.0.0.1:99999", "k", 10, "port"),
            ("http://", "k", 10, "no host"),
            ("http://%00", "k", 10, "host"),
            ("https://api.example.com?x=1", "k", 10, "query"),
            ("https://api.example.com", "k", 9_223_372_037, "timeout"),
            ("https://api.example.com", "secret\r", 10, "line break"),
            ("https://api.example.com", "sec ret", 10, "space"),
            ("https://api.example.com", "s\u{1B}[31mecret", 10, "control character"),
            ("https://api.example.com", "clé", 10, "ASCII"),
        ])
    func refusedConfiguration(baseURL: String, key: String, readSeconds: Int, mention: String) {
        do {
            _ = try SendMediaClient(
                configuration: .init(baseURL: baseURL, apiKey: key, readTimeout: .seconds(readSeconds)))
            Issue.record("\(baseURL) with that key and timeout must be refused")
        } catch let error as WabaMediaError {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains(mention), "\(error.message)")
            #expect(!error.message.contains(key) || key == "k", "the key must never be quoted")
            #expect(!(error.hint ?? "").contains(key) || key == "k")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("a huge duration converts without trapping")
    func durationSaturates() {
        #expect(Duration.seconds(Int64.max).nanoseconds == .max)
        #expect(Duration.seconds(2).nanoseconds == 2_000_000_000)
    }

    @Test("a 413 says the upload is too large, not to check --base-url")
    func payloadTooLargeHint() {
        let error = SendMediaError.status(413, serverMessage: "Request Entity Too Large")
        #expect(error.message.contains("too large"))
        #expect(!error.hint.contains("--base-url"))
    }

    @Test("a server that echoes the key in its answer has it removed from every message")
    func echoedKeyIsRedacted() async throws {
        let key = "sk-echoed-1234"
        let server = try SilentServer { head in
            let sent =
                head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("x-api-key:") }?
                .dropFirst("x-api-key:".count).trimmingCharacters(in: .whitespaces) ?? ""
            let body = "{\"success\": false, \"message\": \"the key \(sent) is not valid\"}"
            return
                "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        }
        defer { server.stop() }
        let client = try SendMediaClient(configuration: .init(baseURL: server.baseURL, apiKey: key))
        let payload = try SendMediaPayload(
            SendMediaRequest(
                channelID: "chn_a", contactID: contact, mediaType: .document,
                mediaData: .file(path: sample("invoice.pdf"))))
        do {
            _ = try await client.send(payload)
            Issue.record("a 401 must fail the send")
        } catch {
            #expect(error.kind == .unauthorized)
            #expect(error.serverMessage?.contains("[API key]") == true, "\(error.serverMessage ?? "")")
            #expect(!"\(error.message) \(error.hint) \(error.serverMessage ?? "")".contains(key))
        }
        try await client.shutdown()
    }

    @Test("the HTTP client's own errors are named without the header values they carry")
    func headerValuesNeverInErrors() {
        let error = HTTPClientError.invalidHeaderFieldValues(["secret\r"])
        let text = SendMediaClient.describe(error)
        #expect(!text.contains("secret"), "\(text)")
        #expect(text.contains("invalidHeaderFieldValues"))
    }

    @Test("a URL to check with a port over 65535 is a finding, not a trap")
    func checkerRefusesBadPort() async throws {
        let checker = RemoteAssetChecker(
            checker: try MediaChecker(profile: .whatsappCloud), executor: .tests,
            options: .init(allowPrivateAddresses: true, allowHTTP: true))
        let url = "http://127.0.0.1:99999/x.jpg"
        let check = await checker.check(url: url, asset: BatchAsset(location: .url(url), origin: url))
        try await checker.shutdown()
        #expect(check.report.findings.map(\.code) == [.urlInvalid])
        #expect(check.report.findings.first?.message.contains("99999") == true)
    }
}
