import Foundation
import TestSupport
import Testing

/// `wamedia check --format html`, rendered by headless Chromium from a file:// URL.
@Suite(.serialized) struct HTMLReportBrowserTests {
    /// The samples, a large PNG made by libvips (thumbnailed with shrink-on-load, not embedded), and a
    /// file whose name is markup.
    func makeBatch() throws -> URL {
        let folder = try makeTemporaryDirectory("wamedia-html-report")
        for name in try FileManager.default.contentsOfDirectory(atPath: samplesURL.path) where name != "README.md" {
            try FileManager.default.copyItem(
                at: samplesURL.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        try runTool("vips", ["resize", sample("photo.jpg"), folder.appendingPathComponent("big.png").path, "3"])
        try Data("just text\n".utf8).write(to: folder.appendingPathComponent("<img src=x onerror=alert(1)>.txt"))
        return folder
    }

    @Test func reportRendersEveryAssetWithItsVerdictAndThumbnailsOffline() async throws {
        let folder = try makeBatch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let html = try wamedia("check", "--format", "html", folder.path)
        #expect(html.status == 1, "truncated.jpg is rejected: \(html.standardError)")
        let json = try wamedia("check", "--format", "json", folder.path)
        let expected = try json.jsonLines().map { ($0["file"] as! String, $0["verdict"] as! String) }
        #expect(expected.count == 13)

        // Nothing in the page can reach the network: no external address in any attribute, no
        // script, no stylesheet link; the browser below also has every other host blocked.
        let page = html.standardOutput
        for pattern in [#"(src|href)\s*=\s*"(?!data:|#)"#, #"<script"#, #"<link"#, #"url\("#, #"@import"#] {
            #expect(page.range(of: pattern, options: .regularExpression) == nil, "\(pattern) in the page")
        }
        let reportURL = folder.appendingPathComponent("report.html")
        try Data(page.utf8).write(to: reportURL)
        let dom = try Chromium.dumpDOM(reportURL.absoluteString)

        let cards = dom.components(separatedBy: "<article class=\"card ").dropFirst()
        #expect(cards.count == expected.count)
        var verdictsInOrder: [String] = []
        for (file, verdict) in expected {
            let escaped = file.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
            let name = URL(fileURLWithPath: escaped).lastPathComponent
            let card = try #require(
                cards.first { $0.contains("<h3 class=\"name\" title=\"\(escaped)\">\(name)</h3>") }, "\(file) missing")
            #expect(card.hasPrefix("\(verdict)\""), "\(file) should be \(verdict)")
            #expect(card.contains("<span class=\"badge \(verdict)\">\(verdict)</span>"))
            let mime = try json.jsonLines().first { $0["file"] as? String == file }?["mime"] as? String ?? ""
            let damaged = file.hasSuffix("truncated.jpg")
            if mime.hasPrefix("image/") && !damaged {
                #expect(card.contains("<img alt=\"\" src=\"data:image/"), "\(file) has no thumbnail")
            } else if mime.hasPrefix("video/") {
                #expect(
                    card.contains("<img class=\"poster\" alt=\"poster frame\" src=\"data:image/jpeg;base64,"),
                    "\(file) has no poster frame")
            } else {
                #expect(card.contains("<use href=\"#i-"), "\(file) has no icon")
            }
            if mime.hasPrefix("audio/") {
                #expect(
                    card.contains("<p class=\"level\"><meter min=\"-60\" max=\"0\" value=\""), "\(file) has no level")
            }
        }
        for card in cards { verdictsInOrder.append(String(card.prefix { $0 != "\"" })) }
        let rank = ["rejected": 0, "fixable": 1, "ok": 2]
        #expect(verdictsInOrder.map { rank[$0]! } == verdictsInOrder.map { rank[$0]! }.sorted(), "rejected first")
        // The markup in a file name stays text.
        #expect(!dom.contains("<img src=\"x\""))
        #expect(dom.contains("&lt;img src=x onerror=alert(1)&gt;.txt"))
        // The summary counts each verdict.
        let counts = Dictionary(grouping: expected, by: \.1).mapValues(\.count)
        for verdict in ["ok", "fixable", "rejected"] {
            #expect(dom.contains("<b class=\"v-\(verdict)\">\(counts[verdict, default: 0]) \(verdict)</b>"))
        }
    }

    /// Files named with markup built to get through escaping done by grapheme cluster
    /// (``HostileMarkup``; all but the script, whose `</script` cannot be in a file name), among
    /// them a refresh to a loopback listener: opened in Chromium, the report runs nothing, fetches
    /// nothing, applies no style of theirs and shows each name as the text it is.
    @Test func markupInFileNamesIsTextAndTheReportFetchesNothing() async throws {
        let listener = try SilentServer(lifetime: 120)
        defer { listener.stop() }
        let folder = try makeTemporaryDirectory("wamedia-html-markup")
        defer { try? FileManager.default.removeItem(at: folder) }
        let names = HostileMarkup.vectors(refreshURL: listener.baseURL + "/refresh").filter { !$0.contains("/") }
            .map { $0 + ".jpg" }
        #expect(names.count == 8)
        #expect(names.contains { $0.contains("http-equiv=refresh") })
        for name in names {
            try FileManager.default.copyItem(
                at: samplesURL.appendingPathComponent("photo.jpg"), to: folder.appendingPathComponent(name))
        }
        let html = try wamedia("check", "--format", "html", folder.path)
        #expect(html.status == 0 || html.status == 1, "\(html.standardError)")
        let reportURL = folder.appendingPathComponent("report.html")
        try Data(html.standardOutput.utf8).write(to: reportURL)

        // Ready once the page's own style sheet applies under its policy; then 1.5 s for a
        // refresh or a handler to act.
        let dom: String
        do {
            dom = try await Chromium.watch(
                reportURL.absoluteString,
                ready: "document.readyState === 'complete'"
                    + " && getComputedStyle(document.querySelector('.badge')).borderRadius === '10px'",
                done: "(window.__loaded = window.__loaded || performance.now())"
                    + " && performance.now() - window.__loaded > 1500"
            ) {}
        } catch {
            // A page that navigated away never gets done: say whether it reached the listener.
            #expect(listener.connectionCount == 0, "the report fetched the refresh URL")
            throw error
        }
        #expect(listener.connectionCount == 0, "the report fetched the refresh URL")
        #expect(dom.contains("<title>wamedia check</title>"))
        #expect(HostileMarkup.injections(in: dom).isEmpty, "\(HostileMarkup.injections(in: dom))")
        #expect(!dom.contains("<script"))
        #expect(dom.components(separatedBy: "<article class=\"card ").count - 1 == names.count)
        for name in names {
            #expect(
                HostileMarkup.contains(dom, "\">\(HostileMarkup.serializedText(name))</h3>"), "\(name.debugDescription)"
            )
        }
        // The page's policy: no script, no form, no style but its own sheet.
        let policy = try #require(
            html.standardOutput.range(
                of: #"http-equiv="Content-Security-Policy" content="[^"]*""#, options: .regularExpression))
        let directives = html.standardOutput[policy].replacingOccurrences(of: "&#39;", with: "'")
        for directive in ["default-src 'none'", "form-action 'none'", "base-uri 'none'", "style-src 'sha256-"] {
            #expect(directives.contains(directive), "\(directives)")
        }
        #expect(!directives.contains("unsafe-inline"))
    }

    @Test func thumbnailsAreSmallJPEGsOfAbout160Pixels() throws {
        let folder = try makeBatch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let html = try wamedia("check", "--format", "html", folder.appendingPathComponent("big.png").path)
        #expect(html.status == 0 || html.status == 1)
        let prefix = "src=\"data:image/jpeg;base64,"
        let start = try #require(html.standardOutput.range(of: prefix))
        let base64 = html.standardOutput[start.upperBound...].prefix { $0 != "\"" }
        let jpeg = try #require(Data(base64Encoded: String(base64)))
        #expect(jpeg.count < 12_000)
        let thumbnail = folder.appendingPathComponent("thumbnail.jpg")
        try jpeg.write(to: thumbnail)
        let width = Int(
            try runTool("vipsheader", ["-f", "width", thumbnail.path]).trimmingCharacters(in: .whitespacesAndNewlines))
        let height = Int(
            try runTool("vipsheader", ["-f", "height", thumbnail.path]).trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(max(width ?? 0, height ?? 0) == 160)
    }

    @Test func reportScreenshotAtDesktopAndPhoneWidth() throws {
        let folder = try makeBatch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let html = try wamedia("check", "--format", "html", folder.path)
        let reportURL = folder.appendingPathComponent("report.html")
        try Data(html.standardOutput.utf8).write(to: reportURL)
        for (width, height) in [(1280, 900), (390, 844)] {
            let path = folder.appendingPathComponent("report-\(width).png").path
            try Chromium.screenshot(reportURL.absoluteString, to: path, width: width, height: height)
            let header = try #require(FileHandle(forReadingAtPath: path)?.readData(ofLength: 24))
            #expect(header.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
            #expect(header[16..<20].reduce(0) { $0 << 8 | Int($1) } == width)
        }
    }
}
