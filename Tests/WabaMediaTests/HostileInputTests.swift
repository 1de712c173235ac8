import Foundation
import Testing
import WabaMedia

/// Inputs built to break the tool: URLs a client would trap on, manifests without end.
@Suite("hostile URLs and manifests")
struct HostileInputTests {
    @Test(
        "URLs a client cannot connect to are refused with a reason",
        arguments: [
            ("https://127.0.0.1:99999/x.jpg", HTTPURL.Problem.invalidPort("99999")),
            ("https://example.com:65536/", .invalidPort("65536")),
            ("https://example.com:0/", .invalidPort("0")),
            ("https://example.com:99999999999999999999999/", .invalidPort("99999999999999999999999")),
            ("https://example.com:-1/", .invalidPort("-1")),
            ("https://example.com:８０/", .invalidPort("８０")),
            ("http://", .noHost),
            ("http:///path", .noHost),
            ("https://user@/x", .noHost),
            ("http://%00", .invalidHost("%00")),
            ("http://exa%2Fmple.com/", .invalidHost("exa%2Fmple.com")),
            ("http://[::1/", .invalidHost("[::1")),
            ("http://a b/", .controlCharacters),
            ("http://host/\u{1B}[31m", .controlCharacters),
            ("ftp://example.com/x", .notHTTP),
        ])
    func refused(url: String, problem: HTTPURL.Problem) {
        #expect(throws: problem) { try HTTPURL(url) }
    }

    @Test("URLs a client can connect to parse into host and port")
    func accepted() throws {
        let cases: [(String, String, Int)] = [
            ("https://example.com/a.jpg", "example.com", 443),
            ("http://example.com/a.jpg", "example.com", 80),
            ("HTTPS://Example.com:8443/a?b=c#d", "Example.com", 8443),
            ("http://127.0.0.1:65535", "127.0.0.1", 65535),
            ("http://[::1]:8080/x", "::1", 8080),
            ("https://user:pass@host.example:1/", "host.example", 1),
            ("http://host:/x", "host", 80),
            ("https://bücher.example/x", "bücher.example", 443),
        ]
        for (text, host, port) in cases {
            let url = try HTTPURL(text)
            #expect(url.host == host && url.port == port, "\(text)")
        }
    }

    @Test("a media URL with a port over 65535 is a field error, not a trap")
    func requestRefusesBadPort() throws {
        let request = SendMediaRequest(
            channelID: "chn_a", contactID: "c1d2e3f4-a5b6-7890-cdef-123456789012", mediaType: .image,
            mediaData: .url("https://127.0.0.1:99999/x.jpg"))
        #expect(throws: WabaMediaError.self) { try request.validate(profile: .whatsappCloud) }
    }

    // MARK: - Manifests

    func manifest(_ name: String, _ bytes: [UInt8]) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wamedia-manifest-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("a manifest row with a port over 65535 is a row like any other; the rows after it are read")
    func badPortRowIsOneRow() throws {
        let path = try manifest(
            "m.csv", Array("media,media_type\nhttps://127.0.0.1:99999/x.jpg,image\nb.jpg,image\n".utf8))
        let entries = Array(try ManifestReader(.init(path: path)))
        #expect(entries.count == 2)
        guard case .asset(let first) = entries.first else {
            Issue.record("the first row should be an asset, checked (and refused) by the URL checker")
            return
        }
        #expect(first.location == .url("https://127.0.0.1:99999/x.jpg"))
    }

    @Test("a field that is not UTF-8 is its row's finding naming the column, never sent with U+FFFD in it")
    func invalidUTF8IsAFinding() throws {
        // "caf\xE9" is Latin-1, as a spreadsheet saving in the old encoding writes it.
        let csv = try manifest(
            "m.csv",
            Array("media,caption,contact_id\na.jpg,caf".utf8) + [0xE9] + Array(",c1\nb.jpg,ok,c2".utf8) + [0xFF]
                + Array("\nc.jpg,fine,c3\n".utf8))
        let entries = Array(try ManifestReader(.init(path: csv, extraColumns: ["contact_id"])))
        #expect(entries.count == 3)
        let findings = entries.compactMap { entry -> Finding? in
            if case .invalid(let invalid) = entry { return invalid.finding }
            return nil
        }
        #expect(findings.count == 2)
        #expect(findings.allSatisfy { $0.code == .manifestRow })
        #expect(findings.first?.message.contains("column 'caption' is not valid UTF-8 (byte 0xE9 at offset 3)") == true)
        #expect(findings.last?.message.contains("column 'contact_id'") == true, "\(findings)")
        #expect(findings.allSatisfy { $0.hint.contains("UTF-8") })
        guard case .asset(let good) = entries.last else {
            Issue.record("the row after the bad ones is read")
            return
        }
        #expect(good.caption == "fine")

        let jsonl = try manifest(
            "m.jsonl",
            Array(#"{"media": "a.jpg", "caption": "caf"#.utf8) + [0xE9] + Array(#""}"#.utf8) + [0x0A]
                + Array(#"{"media": "b.jpg", "caption": "ok"}"#.utf8) + [0x0A])
        let lines = Array(try ManifestReader(.init(path: jsonl)))
        #expect(lines.count == 2)
        guard case .invalid(let invalid) = lines.first else {
            Issue.record("the line that is not UTF-8 is refused")
            return
        }
        #expect(invalid.finding.code == .manifestRow)
        #expect(invalid.finding.message.contains("not valid UTF-8"), "\(invalid.finding.message)")
        #expect(invalid.finding.message.contains("'caption'"), "\(invalid.finding.message)")
    }

    @Test("a line over the limit is its row's finding; the next rows are read", arguments: ["m.csv", "m.jsonl"])
    func longLineIsAFinding(name: String) throws {
        let csv = name.hasSuffix(".csv")
        let long = Array(repeating: UInt8(ascii: "x"), count: 5000)
        let good = Array((csv ? "b.jpg,image\n" : "{\"media\": \"b.jpg\"}\n").utf8)
        let bytes = Array((csv ? "media,media_type\n" : "").utf8) + long + [0x0A] + good
        let path = try manifest(name, bytes)
        let reader = try ManifestReader(.init(path: path, limits: .init(maxLineBytes: 1000)))
        let entries = Array(reader)
        #expect(entries.count == 2)
        guard case .invalid(let invalid) = entries.first else {
            Issue.record("the long line should be refused")
            return
        }
        #expect(invalid.finding.code == .manifestRow)
        #expect(invalid.finding.message.contains("longer than 1000 bytes"))
        #expect(invalid.subject.count < 300, "the subject is the line's start, not the line")
        guard case .asset(let asset) = entries.last else {
            Issue.record("the row after the long line should be read")
            return
        }
        #expect(asset.location.description.hasSuffix("/b.jpg"))
    }

    @Test("a manifest over the size limit stops with a finding that says the rest was not checked")
    func sizeLimitIsAFinding() throws {
        var text = "media\n"
        for index in 0..<2000 { text += "file-\(index).jpg\n" }
        let path = try manifest("m.csv", Array(text.utf8))
        let entries = Array(try ManifestReader(.init(path: path, limits: .init(maxBytes: 4096))))
        let invalid = entries.compactMap { entry -> InvalidInput? in
            if case .invalid(let invalid) = entry { return invalid }
            return nil
        }
        #expect(entries.count < 600, "reading stopped near 4096 bytes")
        #expect(invalid.last?.finding.code == .manifestLimit)
        #expect(invalid.last?.finding.message.contains("the rest is not checked") == true)
        // The line the limit cut through is not passed on as if it were whole.
        let assets = entries.compactMap { entry -> String? in
            if case .asset(let asset) = entry { return asset.location.description }
            return nil
        }
        #expect(assets.allSatisfy { $0.hasSuffix(".jpg") })
    }

    @Test("/dev/zero as a manifest ends, with a clear error", arguments: [ManifestFormat.csv, .jsonl])
    func devZeroEnds(format: ManifestFormat) throws {
        let limits = ManifestReader.Limits(maxLineBytes: 1 << 16, maxBytes: 1 << 22)
        switch format {
        case .csv:
            // The header itself is over the limit: nothing can be read from it.
            #expect(throws: WabaMediaError.self) {
                _ = try ManifestReader(.init(path: "/dev/zero", format: .csv, limits: limits))
            }
        case .jsonl:
            let entries = Array(try ManifestReader(.init(path: "/dev/zero", format: .jsonl, limits: limits)))
            let codes = entries.compactMap { entry -> Finding.Code? in
                if case .invalid(let invalid) = entry { return invalid.finding.code }
                return nil
            }
            #expect(codes == [.manifestRow, .manifestLimit])
        }
    }
}
