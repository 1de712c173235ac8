import Foundation
import TestSupport
import Testing
import WabaMedia

@testable import WabaClient

@Suite("batches of URLs, against a server on loopback")
struct RemoteBatchTests {
    /// Path on the test server → the verdict and the finding codes it must get.
    static let expectations: [(String, String, Set<String>)] = [
        ("/ok/photo.jpg", "ok", ["url-not-https", "metadata"]),
        ("/missing.jpg", "rejected", ["url-not-https", "url-status"]),
        ("/wrong-type.jpg", "rejected", ["url-not-https", "url-content-type", "metadata"]),
        ("/octet.jpg", "rejected", ["url-not-https", "url-content-type", "metadata"]),
        ("/error-page.jpg", "rejected", ["url-not-https", "mime-mismatch"]),
        ("/huge.jpg", "rejected", ["url-not-https", "url-too-large", "metadata"]),
        ("/no-range.jpg", "rejected", ["url-not-https", "url-too-large", "metadata"]),
        ("/loop/a", "rejected", ["url-not-https", "url-redirects"]),
        ("/moved/photo.jpg", "ok", ["url-not-https", "url-redirects", "metadata"]),
        ("/slow.jpg", "rejected", ["url-not-https", "url-timeout"]),
        ("/nocache/logo.png", "ok", ["url-not-https", "url-not-cacheable"]),
        ("/ok/invoice.pdf", "ok", ["url-not-https"]),
        ("/ok/report.docx", "ok", ["url-not-https"]),
        ("/no-head.pdf", "ok", ["url-not-https"]),
        ("/ok/photo.jpg", "ok", ["url-not-https", "metadata", "duplicate"]),
        // Redirected to a port over 65535: refused before any client sees it.
        ("/bad-port.jpg", "rejected", ["url-not-https", "url-redirects"]),
    ]

    @Test("a manifest of URLs: every verdict right, in order, nothing downloaded whole")
    func urlManifest() async throws {
        let server = try await AssetServer.start()
        defer { server.stop() }
        let folder = try makeTemporaryDirectory("wamedia-urls")
        let lines = Self.expectations.map { path, _, _ in
            #"{"media": "\#(server.url(path))", "media_type": "\#(path.hasSuffix(".pdf") || path.hasSuffix(".docx") ? "document" : "image")"}"#
        }
        let manifest = folder.appendingPathComponent("urls.jsonl").path
        try lines.joined(separator: "\n").write(toFile: manifest, atomically: true, encoding: .utf8)

        let started = ContinuousClock.now
        let run = try await wamediaAsync([
            "check", "--format", "json", "--allow-private", "--allow-http", "--timeout", "5", "--manifest", manifest,
        ])
        #expect(ContinuousClock.now - started < .seconds(45), "the slow server (60 s) must be cut off by the timeout")
        #expect(run.status == 1, "\(run.standardError)")
        let (assets, summary) = try run.assetsAndSummary()
        #expect(assets.count == Self.expectations.count)
        for (asset, (path, verdict, codes)) in zip(assets, Self.expectations) {
            #expect(asset["file"] as? String == server.url(path))
            let found = Set(((asset["findings"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String })
            #expect(asset["verdict"] as? String == verdict, "\(path): \(asset["findings"] ?? "")")
            #expect(found == codes, "\(path): \(asset["findings"] ?? "")")
            let remote = try #require(asset["remote"] as? [String: Any], "\(path)")
            let fetched = try #require(remote["bytes_fetched"] as? Int)
            #expect(fetched <= 256 * 1024 + 128 * 1024, "\(path) fetched \(fetched) bytes")
        }
        let docx = assets[12]
        #expect(docx["mime"] as? String == "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        #expect(((assets[8]["remote"] as? [String: Any])?["redirects"] as? [String]) == [server.url("/ok/photo.jpg")])
        #expect(((assets[5]["remote"] as? [String: Any])?["content_length"] as? Int) == 20_000_000)
        #expect(summary["remote_assets"] as? Int == Self.expectations.count)

        let junit = try await wamediaAsync([
            "check", "--format", "junit", "--allow-private", "--allow-http", "--timeout", "5", "--manifest", manifest,
        ])
        let parsed = try JUnitSummary.parse(junit.standardOutput)
        #expect(parsed.testCases.count == Self.expectations.count)
        #expect(parsed.failures.count == Self.expectations.filter { $0.1 == "rejected" }.count)
    }

    @Test("private and loopback hosts are refused without --allow-private, plain http without --allow-http")
    func refusals() async throws {
        let server = try await AssetServer.start()
        defer { server.stop() }
        let urls = [server.url("/ok/photo.jpg"), "http://localhost:\(server.port)/ok/photo.jpg"]
        let run = try await wamediaAsync(["check", "--format", "json", "--allow-http"] + urls)
        #expect(run.status == 1)
        let (assets, _) = try run.assetsAndSummary()
        for asset in assets {
            let codes = ((asset["findings"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String }
            #expect(codes.contains("url-private-address"), "\(asset)")
            #expect((asset["remote"] as? [String: Any])?["bytes_fetched"] as? Int == 0, "nothing may be sent")
        }
        let http = try await wamediaAsync(["check", "--format", "json", "--allow-private", server.url("/ok/photo.jpg")])
        #expect(http.status == 1)
        let finding = try #require((try http.assetsAndSummary().0.first?["findings"] as? [[String: Any]])?.first)
        #expect(finding["code"] as? String == "url-not-https" && finding["severity"] as? String == "rejected")
    }

    /// The timeout of checks run in this process whose subject is not timing (they have no rate floor
    /// either): other tests' native work can hold this process's cooperative threads for many seconds
    /// while the whole suite runs.
    static let patientTimeout = Duration.seconds(120)

    @Test("a host name is resolved once, and its connections go to the address that was checked")
    func hostsArePinned() async throws {
        let server = try await AssetServer.start()
        defer { server.stop() }
        // Loopback stands in for a public address here: the test server cannot be anywhere else.
        let remote = RemoteAssetChecker(
            checker: try MediaChecker(), executor: .tests,
            options: .init(timeout: Self.patientTimeout, allowHTTP: true, minimumRate: nil), logger: nil,
            isAllowedAddress: { _ in true })
        let url = "http://localhost:\(server.port)/ok/photo.jpg"
        let first = await remote.check(url: url, asset: BatchAsset(location: .url(url), origin: url))
        let second = await remote.check(url: url, asset: BatchAsset(location: .url(url), origin: url))
        let pinned = remote.pinnedAddresses
        try await remote.shutdown()
        #expect(first.report.verdict == .ok, "\(first.report.findings)")
        #expect(second.report.verdict == .ok, "\(second.report.findings)")
        #expect(pinned == ["localhost": "127.0.0.1"])
    }

    @Test(
        "address ranges that are not public",
        arguments: [
            ("127.0.0.1", false), ("10.1.2.3", false), ("172.16.0.1", false), ("172.32.0.1", true),
            ("192.168.1.1", false), ("169.254.169.254", false), ("100.64.0.1", false), ("0.0.0.0", false),
            ("8.8.8.8", true), ("::1", false), ("::", false), ("fe80::1", false), ("fd00::1", false),
            ("::ffff:127.0.0.1", false), ("::ffff:8.8.8.8", true), ("2001:4860:4860::8888", true), ("ff02::1", false),
        ])
    func addressRanges(address: String, isPublic: Bool) async throws {
        let resolved = try await AddressPolicy.resolve(address)
        #expect(!resolved.isEmpty)
        #expect(resolved.allSatisfy { AddressPolicy.isPublic($0) == isPublic }, "\(address)")
    }

    @Test("a ZIP-based document is named from its last bytes when only its start was fetched")
    func zipTail() async throws {
        let server = try await AssetServer.start()
        defer { server.stop() }
        let checker = try MediaChecker()
        let remote = RemoteAssetChecker(
            checker: checker, executor: .tests,
            options: .init(
                timeout: Self.patientTimeout, prefixBytes: 256, allowPrivateAddresses: true, allowHTTP: true,
                minimumRate: nil))
        let url = server.url("/ok/report.docx")
        let check = await remote.check(
            url: url, asset: BatchAsset(location: .url(url), mediaType: .document, origin: url))
        try await remote.shutdown()
        #expect(
            check.report.inspection.mime == "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        #expect(check.report.verdict == .ok, "\(check.report.findings)")
        let size = try Data(contentsOf: sample("report.docx")).count
        #expect(check.fetch.contentLength == size)
        #expect(check.fetch.bytesFetched <= size, "the start and the end, not more")
    }
}
