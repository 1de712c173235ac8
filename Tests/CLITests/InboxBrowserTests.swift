import Foundation
import TestSupport
import Testing
import WabaSandbox

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The sandbox's web inbox in headless Chromium, after real sends with the CLI to a real sandbox on loopback.
@Suite(.serialized) struct InboxBrowserTests {
    static let contact = "5f0c6a52-8a43-4c1e-9f1e-2b7d3c9a1e55"
    static let key = "inbox-test-key"
    static let hostileCaption = #"<script>document.title="owned"</script> & <b>not bold</b>"#

    struct Sent {
        var file: String
        var caption: String
        var messageID: String
        var element: String
        var mime: String
    }

    /// A sandbox with a store, and one message of each media type sent to it by `wamedia send`.
    func withSentMessages(_ body: (String, [Sent], URL) async throws -> Void) async throws {
        let store = try makeTemporaryDirectory("wamedia-inbox-store")
        defer { try? FileManager.default.removeItem(at: store) }
        let sandbox = try SandboxServer(
            configuration: SandboxConfiguration(apiKey: Self.key, storeDirectory: store.path))
        let url = try await sandbox.start()
        do {
            var sent: [Sent] = []
            let plan: [(String, String, String, String)] = [
                ("photo.jpg", "Photo of the week", "img", "image/jpeg"),
                ("clip.mp4", Self.hostileCaption, "video", "video/mp4"),
                ("voice.ogg", "Voice note, 2 of 2", "audio", "audio/ogg"),
                ("invoice.pdf", "Your invoice (März)", "a", "application/pdf"),
            ]
            for (file, caption, element, mime) in plan {
                let run = try await wamediaAsync([
                    "send", "--channel", "chn_inbox", "--contact", Self.contact, "--caption", caption, "--base-url",
                    url,
                    "--api-key", Self.key, "--format", "json", sample(file),
                ])
                #expect(run.status == 0, "\(file): \(run.standardError)")
                let object = try #require(try run.jsonLines().first)
                let result = try #require(object["result"] as? [String: Any])
                let id = try #require(result["message_id"] as? String)
                sent.append(Sent(file: file, caption: caption, messageID: id, element: element, mime: mime))
            }
            try await body(url, sent, store)
        } catch {
            await sandbox.stop()
            throw error
        }
        await sandbox.stop()
    }

    /// Each message's bubble in the rendered DOM, by message id.
    static func bubbles(in dom: String) -> [String: String] {
        var found: [String: String] = [:]
        for part in dom.components(separatedBy: "<li class=\"bubble").dropFirst() {
            guard let start = part.range(of: "data-message-id=\"") else { continue }
            let id = part[start.upperBound...].prefix { $0 != "\"" }
            found[String(id)] = part
        }
        return found
    }

    @Test func everyMessageIsInTheRenderedPageWithItsMediaAndCaptionAsText() async throws {
        try await withSentMessages { url, sent, _ in
            let dom = try await offThePool { try Chromium.dumpDOM(url + "/") }
            let bubbles = Self.bubbles(in: dom)
            #expect(bubbles.count == sent.count, "\(dom.prefix(3_000))")
            for message in sent {
                let bubble = try #require(bubbles[message.messageID], "\(message.messageID) not in the DOM")
                #expect(bubble.contains("<code class=\"message-id\">\(message.messageID)</code>"))
                let escaped = message.caption.replacingOccurrences(of: "&", with: "&amp;")
                    .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
                #expect(bubble.contains("<p class=\"caption\">\(escaped)</p>"), "\(bubble)")
                let tag =
                    message.element == "a"
                    ? "<a class=\"document media\" href=\"" : "<\(message.element) class=\"media\" src=\""
                #expect(bubble.contains(tag + "/media/\(message.messageID)/"), "\(message.file): \(bubble)")
            }
            // The hostile caption is text: the page's one script is its own, and the title is untouched.
            #expect(dom.components(separatedBy: "<script").count == 2)
            #expect(dom.contains("<title>wamedia sandbox inbox</title>"))
            #expect(!dom.contains("<b>not bold</b>"))
            // The document card shows the name and the size as received.
            #expect(dom.contains("<b>invoice.pdf</b><small>592 B</small>"))
        }
    }

    @Test func mediaURLsAnswerWithTheirTypeLengthAndRanges() async throws {
        try await withSentMessages { url, sent, store in
            let dom = try await offThePool { try Chromium.dumpDOM(url + "/") }
            for message in sent {
                let bubble = try #require(Self.bubbles(in: dom)[message.messageID])
                let attribute = message.element == "a" ? "href=\"" : "src=\""
                let start = try #require(bubble.range(of: attribute))
                var path = String(bubble[start.upperBound...].prefix { $0 != "\"" && $0 != "#" })
                path = path.replacingOccurrences(of: "&amp;", with: "&")
                let stored = store.appendingPathComponent(message.messageID).appendingPathComponent(
                    String(path.split(separator: "/").last!).removingPercentEncoding!)
                let bytes = try Data(contentsOf: stored)

                let (whole, response) = try await Self.get(url + path)
                #expect(response.statusCode == 200, "\(path)")
                #expect(response.value(forHTTPHeaderField: "Content-Type") == message.mime)
                #expect(response.value(forHTTPHeaderField: "Content-Length") == String(bytes.count))
                #expect(response.value(forHTTPHeaderField: "Accept-Ranges") == "bytes")
                #expect(whole == bytes)

                let (part, partial) = try await Self.get(url + path, range: "bytes=10-109")
                #expect(partial.statusCode == 206)
                #expect(partial.value(forHTTPHeaderField: "Content-Range") == "bytes 10-109/\(bytes.count)")
                #expect(part == bytes.subdata(in: 10..<110))

                let (tail, suffix) = try await Self.get(url + path, range: "bytes=-50")
                #expect(suffix.statusCode == 206)
                #expect(tail == bytes.suffix(50))

                let (_, beyond) = try await Self.get(url + path, range: "bytes=\(bytes.count)-")
                #expect(beyond.statusCode == 416)
                #expect(beyond.value(forHTTPHeaderField: "Content-Range") == "bytes */\(bytes.count)")
            }
            let (_, missing) = try await Self.get(url + "/media/msg-none/../../etc/passwd")
            #expect(missing.statusCode == 404)
        }
    }

    @Test func newMessagesArriveOnAnOpenPage() async throws {
        try await withSentMessages { url, sent, _ in
            // The page is open and its live stream connected before the message is sent: it must
            // arrive through the stream, not a reload.
            var id = ""
            let dom = try await Chromium.watch(
                url + "/", ready: "document.getElementById('live').textContent === 'live'",
                done: "document.querySelectorAll('.bubble').length > \(sent.count)"
            ) {
                let run = try await wamediaAsync([
                    "send", "--channel", "chn_other", "--contact", Self.contact, "--caption", "Arrived live",
                    "--base-url", url, "--api-key", Self.key, "--format", "json", sample("logo.png"),
                ])
                let object = try #require(try run.jsonLines().first)
                id = try #require((object["result"] as? [String: Any])?["message_id"] as? String)
            }
            let bubbles = Self.bubbles(in: dom)
            #expect(bubbles[id]?.contains("<p class=\"caption\">Arrived live</p>") == true, "\(dom.suffix(3_000))")
            #expect(bubbles[id]?.contains("<img class=\"media\" src=\"/media/\(id)/media.png\"") == true)
            #expect(bubbles.count == sent.count + 1)
            #expect(dom.contains("chn_other → \(Self.contact)"))
        }
    }

    @Test func screenshotsAtDesktopAndPhoneWidth() async throws {
        try await withSentMessages { url, _, _ in
            let folder = try makeTemporaryDirectory("wamedia-inbox-shots")
            defer { try? FileManager.default.removeItem(at: folder) }
            for (width, height) in [(1280, 800), (390, 844)] {
                let path = folder.appendingPathComponent("inbox-\(width).png").path
                try await offThePool { try Chromium.screenshot(url + "/", to: path, width: width, height: height) }
                let header = try #require(FileHandle(forReadingAtPath: path)?.readData(ofLength: 24))
                #expect(header.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
                let shotWidth = header[16..<20].reduce(0) { $0 << 8 | Int($1) }
                #expect(shotWidth == width)
            }
        }
    }

    @Test func rehearsalPanelShowsCountsAndTheLastFailuresLive() async throws {
        let sandbox = try SandboxServer(configuration: SandboxConfiguration(apiKey: Self.key, failFirst: 2))
        let url = try await sandbox.start()
        do {
            func send(to contact: String) async throws -> CLIRun {
                try await wamediaAsync([
                    "send", "--channel", "chn_rehearsal", "--contact", contact, "--base-url", url, "--api-key",
                    Self.key,
                    sample("logo.png"),
                ])
            }
            // A refusal with a hostile recipient before the page opens: the panel is on the page from the start.
            let hostile = #"<img src=x onerror="document.title='owned'">"#
            let body: [String: Any] = [
                "channel_id": "chn_rehearsal", "contact_id": hostile, "media_type": "image",
                "media_data": "https://media.example.com/a.jpg",
            ]
            let refused = try await Self.post(url + "/v1/waba/send-media", body)
            #expect(refused == 404)

            let dom = try await Chromium.watch(
                url + "/", ready: "document.getElementById('live').textContent === 'live'",
                done: #"(document.querySelector('#rehearsal [data-state="accepted"] b')||{}).textContent === '2'"#
            ) {
                // Two sends fail with the injected 500s, the next two are accepted.
                for expected: Int32 in [1, 1, 0, 0] {
                    let run = try await send(to: Self.contact)
                    #expect(run.status == expected, "\(run.standardError)")
                }
            }
            let panel = try #require(dom.components(separatedBy: "<section id=\"rehearsal\">").dropFirst().first)
                .components(separatedBy: "</section>")[0]
            for (state, count) in [("accepted", 2), ("injected-failures", 2), ("rate-limited", 0), ("refused", 1)] {
                #expect(
                    panel.range(of: "data-state=\"\(state)\">[^<]*<b>\(count)</b>", options: .regularExpression) != nil,
                    "\(state) \(count): \(panel)")
            }
            // The last failures, newest first: the two injected 500s, then the refusal.
            let rows = panel.components(separatedBy: "<tr><td>").dropFirst()
            #expect(rows.count == 3, "\(panel)")
            let statuses = rows.compactMap {
                $0.range(of: #"<td class="status">(\d+)</td>"#, options: .regularExpression)
            }
            #expect(statuses.count == 3)
            #expect(
                rows.prefix(2).allSatisfy { $0.contains("<td class=\"status\">500</td>") && $0.contains(Self.contact) })
            #expect(rows.prefix(2).allSatisfy { $0.contains("injected failure") })
            let last = try #require(rows.last)
            #expect(last.contains("<td class=\"status\">404</td>") && last.contains("contact not found"))
            // The hostile recipient is text.
            #expect(last.contains("&lt;img src=x onerror="), "\(last)")
            #expect(!dom.contains("<img src=\"x\""))
            #expect(dom.contains("<title>wamedia sandbox inbox</title>"))
        } catch {
            await sandbox.stop()
            throw error
        }
        await sandbox.stop()
    }

    static func post(_ url: String, _ object: [String: Any]) async throws -> Int {
        var request = URLRequest(url: URL(string: url)!, timeoutInterval: 10)
        request.httpMethod = "POST"
        request.setValue(key, forHTTPHeaderField: "x-api-key")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: object)
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (_, response) = try await session.data(for: request)
        return try #require(response as? HTTPURLResponse).statusCode
    }

    static func get(_ url: String, range: String? = nil) async throws -> (Data, HTTPURLResponse) {
        var request = URLRequest(url: URL(string: url)!, timeoutInterval: 10)
        if let range { request.setValue(range, forHTTPHeaderField: "Range") }
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        return (data, try #require(response as? HTTPURLResponse))
    }
}
