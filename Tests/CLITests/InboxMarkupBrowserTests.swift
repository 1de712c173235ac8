import Foundation
import TestSupport
import Testing
import WabaSandbox

/// The inbox in headless Chromium with markup built to get through escaping done by grapheme
/// cluster (``HostileMarkup``) in every field a request sets: caption, file_name, contact_id,
/// channel_id, thread_id, and failure reasons (which quote media_type). Nothing may run, nothing
/// may be fetched, and every value must read back as the text that was sent.
@Suite(.serialized) struct InboxMarkupBrowserTests {
    static let key = InboxBrowserTests.key
    static let pageTitle = "<title>wamedia sandbox inbox</title>"
    /// Per vector: an image and a document delivered, a refusal quoting media_type, a refused thread.
    static let messagesPerVector = 4

    struct Fixture {
        var sandbox: SandboxServer
        var url: String
        var listener: SilentServer
        var vectors: [String]
        var store: URL
    }

    static func channel(_ vector: String) -> String { "chn \(vector)" }
    static func contact(_ vector: String) -> String { "ct \(vector)" }

    /// A sandbox that knows the hostile contacts, and a loopback listener the refresh vector points at.
    func withFixture(_ body: (Fixture) async throws -> Void) async throws {
        let listener = try SilentServer(lifetime: 120)
        defer { listener.stop() }
        let vectors = HostileMarkup.vectors(refreshURL: listener.baseURL + "/refresh")
        let store = try makeTemporaryDirectory("wamedia-inbox-markup")
        defer { try? FileManager.default.removeItem(at: store) }
        let sandbox = try SandboxServer(
            configuration: SandboxConfiguration(
                apiKey: Self.key, storeDirectory: store.path, knownContacts: Set(vectors.map(Self.contact))))
        let url = try await sandbox.start()
        do {
            try await body(Fixture(sandbox: sandbox, url: url, listener: listener, vectors: vectors, store: store))
        } catch {
            await sandbox.stop()
            throw error
        }
        await sandbox.stop()
    }

    /// Sends every vector in every field. Refused threads go first, so the panel's last failures
    /// (it keeps 10) are the nine refusals that quote a vector both as contact and as reason.
    static func sendHostile(_ fixture: Fixture) async throws {
        let logo = try Data(contentsOf: samplesURL.appendingPathComponent("logo.png")).base64EncodedString()
        let invoice = try Data(contentsOf: samplesURL.appendingPathComponent("invoice.pdf")).base64EncodedString()
        let api = fixture.url + "/v1/waba/send-media"
        for vector in fixture.vectors {
            let thread: [String: Any] = [
                "thread_id": vector, "media_type": "image", "media_data": "https://media.example.com/a.jpg",
            ]
            #expect(try await InboxBrowserTests.post(api, thread) == 404)
        }
        for vector in fixture.vectors {
            let conversation = ["channel_id": channel(vector), "contact_id": contact(vector), "content": vector]
            let image = conversation.merging([
                "media_type": "image", "media_data": logo, "file_name": vector + ".png",
            ]) { $1 }
            let document = conversation.merging([
                "media_type": "document", "media_data": invoice, "file_name": vector + ".pdf",
            ]) { $1 }
            #expect(try await InboxBrowserTests.post(api, image) == 200, "image \(vector.debugDescription)")
            #expect(try await InboxBrowserTests.post(api, document) == 200, "document \(vector.debugDescription)")
        }
        for vector in fixture.vectors {
            let refused = [
                "channel_id": channel(vector), "contact_id": contact(vector), "media_type": vector,
                "media_data": "https://media.example.com/a.jpg",
            ]
            #expect(try await InboxBrowserTests.post(api, refused) == 400)
        }
    }

    /// What the page must show once every message is in: no injected markup, nothing fetched from
    /// the listener, the title untouched, every vector as text in each place it was sent to.
    static func expectInert(_ dom: String, _ fixture: Fixture) {
        let contains = HostileMarkup.contains
        #expect(fixture.listener.connectionCount == 0, "the page fetched the refresh URL")
        #expect(contains(dom, pageTitle), "\(dom.prefix(1_000))")
        #expect(!dom.contains("<title>\(HostileMarkup.ranTitle)</title>"))
        #expect(HostileMarkup.injections(in: dom).isEmpty, "\(HostileMarkup.injections(in: dom))")
        #expect(dom.components(separatedBy: "<script").count == 2, "only the page's own script")
        #expect(
            dom.components(separatedBy: "<li class=\"bubble").count - 1 == fixture.vectors.count * messagesPerVector)
        let text = HostileMarkup.serializedText
        let panel = dom.components(separatedBy: "<section id=\"rehearsal\">").dropFirst().first ?? ""
        for vector in fixture.vectors {
            let label = text("\(channel(vector)) → \(contact(vector))")
            // Caption, in both delivered bubbles.
            #expect(
                HostileMarkup.occurrences(of: "<p class=\"caption\">\(text(vector))</p>", in: dom) == 2, "\(vector)")
            // channel_id and contact_id: the conversation's list item and pane.
            #expect(contains(dom, "<b>\(label)</b>"), "\(vector)")
            #expect(contains(dom, "<h2>\(label)</h2>"), "\(vector)")
            // thread_id: its conversation's pane.
            #expect(contains(dom, "<h2>\(text("thread \(vector)"))</h2>"), "\(vector)")
            // file_name: the document card.
            #expect(contains(dom, "<b>\(text(vector + ".pdf"))</b><small>"), "\(vector)")
            // A failure reason quoting media_type: in the refused bubble and in the panel, with its contact.
            let reason = text("(got \"\(vector)\")")
            #expect(contains(dom, "\(reason)</p>"), "\(vector)")
            #expect(contains(panel, "<td class=\"recipient\">\(text(contact(vector)))</td>"), "\(vector)")
            #expect(contains(panel, "\(reason)</td>"), "\(vector)")
        }
    }

    /// The DOM `watching` returns; when it fails (a page that navigated away never gets done), whether
    /// the refresh reached the listener is still said.
    static func watch(_ fixture: Fixture, _ watching: () async throws -> String) async throws -> String {
        do {
            return try await watching()
        } catch {
            #expect(fixture.listener.connectionCount == 0, "the page fetched the refresh URL")
            throw error
        }
    }

    /// Waits a second and a half after `condition` first held: time for a handler or a refresh to act.
    static func settled(after condition: String) -> String {
        "(window.__settledSince = window.__settledSince || ((\(condition)) ? performance.now() : 0))"
            + " && performance.now() - window.__settledSince > 1500"
    }

    /// The page as it was loaded, and its own styles and script at work under its policy.
    static let styledAndLive =
        "document.getElementById('live').textContent === 'live'"
        + " && getComputedStyle(document.querySelector('header')).backgroundColor === 'rgb(7, 94, 84)'"

    @Test func hostileValuesAreTextOnPageLoad() async throws {
        try await withFixture { fixture in
            try await Self.sendHostile(fixture)
            let count = fixture.vectors.count * Self.messagesPerVector
            let dom = try await Self.watch(fixture) {
                try await Chromium.watch(
                    fixture.url + "/", ready: Self.styledAndLive,
                    done: Self.settled(after: "document.querySelectorAll('.bubble').length === \(count)")
                ) {}
            }
            Self.expectInert(dom, fixture)
        }
    }

    @Test func hostileValuesAreTextThroughTheLiveStream() async throws {
        try await withFixture { fixture in
            let count = fixture.vectors.count * Self.messagesPerVector
            let dom = try await Self.watch(fixture) {
                try await Chromium.watch(
                    fixture.url + "/", ready: Self.styledAndLive,
                    done: Self.settled(
                        after: "document.querySelectorAll('.bubble').length === \(count)"
                            + " && document.querySelectorAll('#rehearsal td.reason').length === 10")
                ) {
                    try await Self.sendHostile(fixture)
                }
            }
            Self.expectInert(dom, fixture)
        }
    }

    @Test func thePageRunsNoInlineScriptAndSendsNoForm() async throws {
        try await withFixture { fixture in
            let (page, response) = try await InboxBrowserTests.get(fixture.url + "/")
            let policy = try #require(response.value(forHTTPHeaderField: "Content-Security-Policy"))
            let directives = Set(policy.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) })
            for directive in [
                "default-src 'none'", "script-src 'self'", "style-src 'self'", "form-action 'none'",
                "base-uri 'none'", "frame-ancestors 'none'",
            ] {
                #expect(directives.contains(directive), "\(policy)")
            }
            #expect(!policy.contains("unsafe-inline"))
            let html = String(decoding: page, as: UTF8.self)
            #expect(html.contains(#"<script src="/inbox.js"></script>"#))
            #expect(!html.contains("<script>") && !html.contains("<style") && !html.contains(" style="))
            let (script, scriptResponse) = try await InboxBrowserTests.get(fixture.url + "/inbox.js")
            #expect(scriptResponse.value(forHTTPHeaderField: "Content-Type") == "text/javascript; charset=utf-8")
            #expect(String(decoding: script, as: UTF8.self).contains("EventSource"))
            let (_, styleResponse) = try await InboxBrowserTests.get(fixture.url + "/inbox.css")
            #expect(styleResponse.value(forHTTPHeaderField: "Content-Type") == "text/css; charset=utf-8")
        }
    }
}
