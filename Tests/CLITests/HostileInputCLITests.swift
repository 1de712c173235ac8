import Foundation
import TestSupport
import Testing

/// What issue-style probing of the built CLI found: each case once crashed, hung or misled.
@Suite("hostile input and servers, through the command line", .serialized)
struct HostileInputCLITests {
    static let contact = "c1d2e3f4-a5b6-7890-cdef-123456789012"
    static let message = ["--channel", "chn_abc123", "--contact", contact]

    @Test(
        "a bad --base-url is a usage error (2), not a trap or a raw client error",
        arguments: ["https://127.0.0.1:99999", "http://", "http://%00", "http://[::1", "https://h:0"])
    func badBaseURL(url: String) throws {
        let run = try wamedia(["send"] + Self.message + ["--api-key", "k", "--base-url", url, sample("invoice.pdf")])
        #expect(run.status == 2, "\(run.standardError)")
        #expect(run.standardError.contains("base URL"))
    }

    @Test("a bad WAMEDIA_BASE_URL is a usage error too")
    func badBaseURLFromEnvironment() throws {
        let run = try wamedia(
            ["send"] + Self.message + ["--api-key", "k", sample("invoice.pdf")],
            environment: ["WAMEDIA_BASE_URL": "https://127.0.0.1:99999"])
        #expect(run.status == 2, "\(run.standardError)")
        #expect(run.standardError.contains("99999"))
    }

    @Test(
        "a huge or zero timeout is a usage error",
        arguments: [
            ["--read-timeout", "9223372037"], ["--connect-timeout", "9223372037"], ["--write-timeout", "0"],
            ["--deadline", "86401"],
        ])
    func hugeTimeouts(option: [String]) throws {
        let run = try wamedia(["send"] + Self.message + ["--api-key", "k"] + option + [sample("invoice.pdf")])
        #expect(run.status == 2, "\(run.standardError)")
        #expect(run.standardError.contains(option[0]))
    }

    @Test("an API key with a control character is refused before any request, and never printed")
    func keyWithControlCharacter() throws {
        let server = try SilentServer()
        defer { server.stop() }
        let key = "secret-4471\r"
        let run = try wamedia(
            ["send"] + Self.message + ["--base-url", server.baseURL, sample("invoice.pdf")],
            environment: ["WAMEDIA_API_KEY": key])
        #expect(run.status == 2, "\(run.standardError)")
        #expect(run.standardError.contains("line break"))
        #expect(!run.standardError.contains("secret-4471") && !run.standardOutput.contains("secret-4471"))
        #expect(server.connectionCount == 0, "nothing may be sent with a bad key")
    }

    @Test("a URL argument with a port over 65535 is refused: by send before anything, by check as a finding")
    func urlArgumentWithBadPort() throws {
        let url = "https://127.0.0.1:99999/x.jpg"
        let send = try wamedia(["send", "--type", "image", "--api-key", "k"] + Self.message + [url])
        #expect(send.status == 2, "\(send.standardError)")
        let check = try wamedia("check", "--format", "json", "--allow-private", url)
        #expect(check.status == 1, "\(check.standardError)")
        let object = try #require(try check.jsonLines().first)
        let codes = (object["findings"] as? [[String: Any]])?.compactMap { $0["code"] as? String }
        #expect(codes == ["url-invalid"])
    }

    @Test("one manifest row with a bad port is that row's finding; the other rows are checked")
    func manifestRowWithBadPort() throws {
        let folder = try makeTemporaryDirectory("wamedia-hostile")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(
            atPath: sample("photo.jpg"), toPath: folder.appendingPathComponent("a.jpg").path)
        let manifest = folder.appendingPathComponent("m.csv")
        try "media,media_type\nhttps://127.0.0.1:99999/x.jpg,image\na.jpg,image\n".write(
            to: manifest, atomically: true, encoding: .utf8)
        let run = try wamedia("check", "--format", "json", "--allow-private", "--manifest", manifest.path)
        #expect(run.status == 1, "\(run.standardError)")
        let objects = try run.jsonLines()
        #expect(objects.count == 2)
        #expect(objects.map { $0["verdict"] as? String } == ["rejected", "ok"])
    }

    @Test("check --manifest /dev/zero ends with a clear error")
    func devZeroManifest() async throws {
        let csv = try await wamediaAsync(["check", "--manifest", "/dev/zero", "--manifest-format", "csv"])
        #expect(csv.status == 2, "\(csv.standardError)")
        #expect(csv.standardError.contains("/dev/zero"))
        let jsonl = try await wamediaAsync([
            "check", "--format", "json", "--manifest", "/dev/zero", "--manifest-format", "jsonl",
            "--manifest-max-bytes", "8000000",
        ])
        #expect(jsonl.status == 1)
        let codes = try jsonl.jsonLines().flatMap {
            (($0["findings"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String }
        }
        #expect(codes == ["manifest-row", "manifest-limit"])
    }

    @Test("names with control characters are escaped in tables, exact in JSON")
    func controlCharactersInNames() throws {
        let folder = try makeTemporaryDirectory("wamedia-names")
        defer { try? FileManager.default.removeItem(at: folder) }
        let names = ["x\u{1B}[31m.jpg", "two\nlines.jpg", "bell\u{07}.jpg", "gpj.\u{202E}exe.jpg"]
        for name in names {
            try FileManager.default.copyItem(
                atPath: sample("logo.png"), toPath: folder.appendingPathComponent(name).path)
        }
        let paths = names.map { folder.appendingPathComponent($0).path }
        let table = try wamedia(["check"] + paths)
        #expect(!table.standardOutput.contains("\u{1B}") && !table.standardOutput.contains("\u{07}"))
        #expect(!table.standardOutput.contains("\u{202E}"))
        #expect(table.standardOutput.contains("x\\033[31m.jpg'"))
        #expect(table.standardOutput.contains("two\\nlines.jpg'"))
        #expect(table.standardOutput.contains("\\u202E"))
        // A newline in a name never splits a line: the name is whole wherever it appears.
        let lines = table.standardOutput.split(separator: "\n")
        #expect(!lines.contains { $0.hasPrefix("lines.jpg") })
        #expect(lines.filter { $0.hasPrefix("'\(folder.path)/") }.count >= names.count, "one table row per file")
        let json = try wamedia(["check", "--format", "json"] + paths)
        #expect(try json.jsonLines().map { $0["file"] as? String } == paths)
    }

    @Test("an argument error quoting what was typed escapes its control characters")
    func argumentErrorsAreEscaped() throws {
        let run = try wamedia("check", "--type", "im\u{1B}[31mage", sample("logo.png"))
        #expect(run.status == 2)
        #expect(!run.standardError.contains("\u{1B}"))
        #expect(run.standardError.contains("im\\033[31mage"))
    }

    @Test("send to a server that stops reading ends as unknown, with exit 1, and says so")
    func sendToSilentServer() async throws {
        let folder = try makeTemporaryDirectory("wamedia-silent")
        defer { try? FileManager.default.removeItem(at: folder) }
        let document = folder.appendingPathComponent("large.pdf")
        var data = Data("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".utf8)
        let block = Data((0..<65_536).map { _ in UInt8.random(in: 0...255) })
        for _ in 0..<366 { data.append(block) }
        data.append(Data("\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n".utf8))
        try data.write(to: document)
        let server = try SilentServer()
        defer { server.stop() }
        let started = ContinuousClock.now
        let run = try await wamediaAsync(
            ["send"] + Self.message + [
                "--api-key", "k", "--base-url", server.baseURL, "--write-timeout", "2", "--read-timeout", "2",
                "--format", "json", document.path,
            ])
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(run.status == 1, "\(run.standardError)")
        let object = try #require(try run.jsonLines().first)
        #expect(object["kind"] as? String == "unknown")
        #expect(run.standardError.contains("may or may not have been sent"))
    }
}
