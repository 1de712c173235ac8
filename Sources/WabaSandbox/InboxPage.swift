import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle
import WabaMedia

/// The inbox's pages: `/` (every conversation, the newest shown, and the rehearsal panel: what the
/// sandbox answered), `/inbox/events` (new messages and panel updates as server-sent events) and
/// `/media/{id}/{name}` (the stored uploads).
///
/// All HTML comes from the templates in ``InboxTemplates``, through which every value is escaped by
/// ``HTMLEscaping``; the live stream carries the same fragments the page is built from, as JSON. The
/// page's policy (``policy``) runs no script but `/inbox.js`, applies no style but `/inbox.css`, and
/// sends no form anywhere, so even markup that got through could neither run nor restyle the page.
struct InboxPage: Sendable {
    let inbox: SandboxInbox
    let media: InboxMedia?
    let ledger: SandboxLedger
    /// How long one live stream lasts before the browser is asked to reconnect (it resumes where it
    /// was, from the event id), so no connection stays open forever.
    static let streamLifetime: Duration = .seconds(300)
    static let heartbeat: Duration = .seconds(15)
    /// How often an open page's rehearsal panel is brought up to date: answers can come by the
    /// thousand per second, the panel changes at most this often.
    static let panelInterval: Duration = .milliseconds(250)

    func register(on router: Router<some RequestContext>, apiURL: @escaping @Sendable () -> String?) {
        router.get("/") { _, _ -> Response in
            Self.html(self.page(apiURL: apiURL()))
        }
        router.get("/inbox.js") { _, _ -> Response in
            Self.asset(InboxTemplates.script, type: MIMEType.javaScript.utf8ContentType)
        }
        router.get("/inbox.css") { _, _ -> Response in
            Self.asset(InboxTemplates.style, type: MIMEType.css.utf8ContentType)
        }
        router.get("/inbox/events") { request, _ -> Response in
            self.events(request)
        }
        router.get("/media/{id}/{name}") { request, context -> Response in
            try await self.serveMedia(request, context: context, includeBody: true)
        }
        router.head("/media/{id}/{name}") { request, context -> Response in
            try await self.serveMedia(request, context: context, includeBody: false)
        }
    }

    // MARK: - Page

    func page(apiURL: String?) -> String {
        let messages = inbox.messages
        var order: [String] = []
        var byConversation: [String: [InboxMessage]] = [:]
        for message in messages {
            if byConversation[message.conversation] == nil { order.append(message.conversation) }
            byConversation[message.conversation, default: []].append(message)
        }
        // The conversation with the newest message comes first and is the one shown.
        order.sort { (byConversation[$0]!.last!.sequence) > (byConversation[$1]!.last!.sequence) }
        let conversations = order.enumerated().map { index, key in
            Self.conversationValues(key, messages: byConversation[key]!, selected: index == 0)
        }
        let values: [String: Any] = [
            "apiURL": apiURL.map { "\($0)/v1/waba/send-media" } ?? "",
            "count": messages.count,
            "lastSequence": messages.last?.sequence ?? 0,
            "conversations": conversations,
            "empty": conversations.isEmpty,
            "rehearsal": Self.rehearsalValues(ledger.snapshot) ?? false,
            "policy": Self.policy,
        ]
        return InboxTemplates.library.render("page", values)
    }

    static func conversationValues(_ key: String, messages: [InboxMessage], selected: Bool) -> [String: Any] {
        [
            "id": conversationID(key), "label": key, "count": messages.count, "selected": selected,
            "last": messages.last.map(summaryLine) ?? "",
            "messages": messages.map(messageValues),
        ]
    }

    /// A DOM id for a conversation, stable across the page and the live stream (FNV-1a of its key).
    static func conversationID(_ key: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return "c" + String(hash, radix: 16)
    }

    static func summaryLine(_ message: InboxMessage) -> String {
        let receipt = message.receipt
        guard message.delivered else { return "not delivered" }
        let what = receipt.fileName ?? receipt.mediaType ?? "media"
        if let caption = receipt.content, !caption.isEmpty { return "\(what): \(caption)" }
        return what
    }

    static func messageValues(_ message: InboxMessage) -> [String: Any] {
        let receipt = message.receipt
        var values: [String: Any] = [
            "sequence": message.sequence,
            "time": timeFormatter.string(from: message.receivedAt),
            "timestamp": message.receivedAt.formatted(.iso8601),
            "messageID": receipt.messageID ?? "",
            "caption": receipt.content ?? "",
            "hasCaption": !(receipt.content ?? "").isEmpty,
            "mediaType": receipt.mediaType ?? "",
            "delivered": message.delivered,
            "status": receipt.status,
            "reason": receipt.message,
        ]
        if let name = receipt.fileName { values["fileName"] = name }
        var facts: [String] = [receipt.mediaType ?? "media"]
        if let mime = receipt.detectedMIME { facts.append(mime.rawValue) }
        if let bytes = receipt.mediaBytes { facts.append(ByteCount(bytes).description) }
        if let image = message.inspection?.image { facts.append("\(image.width)×\(image.height)") }
        let duration = message.inspection?.av?.durationSeconds.map { PlayingTime(seconds: $0).description }
        if let duration { facts.append(duration) }
        values["facts"] = facts.joined(separator: " · ")
        values["findings"] = receipt.findings.map { finding -> [String: Any] in
            let lead = finding.blocksSend ? "Meta would refuse this" : "Note"
            return [
                "severity": finding.severity.rawValue, "lead": lead, "code": finding.code.rawValue,
                "message": finding.message, "hint": finding.hint,
            ]
        }
        values["hasFindings"] = !receipt.findings.isEmpty

        guard message.delivered else { return values }
        if receipt.mediaKind == "url" {
            // The sandbox never fetches URL media, and an offline page must not either: a link, not an element.
            values["link"] = receipt.mediaURL ?? ""
            return values
        }
        guard let stored = receipt.storedPath else {
            values["notKept"] = true
            return values
        }
        let file = URL(fileURLWithPath: stored)
        let name = file.lastPathComponent
        let folder = file.deletingLastPathComponent().lastPathComponent
        let source = "/media/\(folder)/\(name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? name)"
        values["src"] = source
        values.merge(message.preview?.templateValues ?? [:]) { _, new in new }
        switch receipt.mediaType {
        case "image": values["image"] = true
        case "video": values["video"] = true
        case "audio":
            values["audio"] = true
            values["duration"] = duration ?? ""
        default:
            values["document"] = [
                "label": documentLabel(mime: receipt.detectedMIME, name: receipt.fileName ?? name),
                "name": receipt.fileName ?? name, "size": ByteCount(receipt.mediaBytes ?? 0).description,
            ]
        }
        return values
    }

    /// The rehearsal panel's values, or nil before the first send was answered (no panel then).
    static func rehearsalValues(_ snapshot: SandboxLedger.Snapshot) -> [String: Any]? {
        let counts = snapshot.counts
        guard counts.answered > 0 else { return nil }
        var shown: [(key: String, label: String, count: Int)] = [
            ("accepted", "accepted", counts.accepted),
            ("injected-failures", "failed (injected)", counts.injectedFailures),
            ("rate-limited", "rate-limited (429)", counts.rateLimited),
            ("refused", "refused (4xx)", counts.refused),
        ]
        if counts.serverErrors > 0 { shown.append(("server-errors", "sandbox errors", counts.serverErrors)) }
        return [
            "counts": shown.map { ["key": $0.key, "label": $0.label, "count": $0.count] },
            "failures": snapshot.failures.map { failure -> [String: Any] in
                [
                    "time": timeFormatter.string(from: failure.time), "timestamp": failure.time.formatted(.iso8601),
                    "status": failure.status, "recipient": failure.recipient ?? "—", "reason": failure.reason,
                ]
            },
            "hasFailures": !snapshot.failures.isEmpty,
        ]
    }

    /// The short type a document card shows, from its content's type (its name only as a fallback).
    static func documentLabel(mime: MIMEType?, name: String) -> String {
        let labels: [MIMEType: String] = [
            .pdf: "PDF", .plainText: "TXT", .csv: "CSV", .word: "DOC", .wordOpenXML: "DOCX",
            .excel: "XLS", .excelOpenXML: "XLSX", .powerPoint: "PPT", .powerPointOpenXML: "PPTX", .zip: "ZIP",
        ]
        if let mime, let label = labels[mime] { return label }
        let ext = (name as NSString).pathExtension.uppercased()
        return ext.isEmpty || ext.count > 4 ? "FILE" : ext
    }

    static let timeFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "HH:mm:ss"
        return formatter
    }()

    // MARK: - Live stream

    /// One event per new message: the fragments a page inserts (bubble, and the conversation's list
    /// item and pane should it be new), as JSON. `Last-Event-ID` (a reconnect) or `?after=` (the
    /// page's own snapshot) says where to resume. A `rehearsal` event carries the panel whenever
    /// the sandbox answered something since the last one.
    func events(_ request: Request) -> Response {
        let resumeHeader = request.headers.first { $0.name.canonicalName == "last-event-id" }?.value
        let resumeQuery = request.uri.queryParameters.get("after")
        let after = resumeHeader.flatMap { Int($0) } ?? resumeQuery.flatMap { Int($0) } ?? inbox.lastSequence
        let (backlog, events) = inbox.watch(after: after)
        let inbox = self.inbox
        let ledger = self.ledger
        let body = ResponseBody { writer in
            // A server shutting down gracefully waits for open responses: end the streams at once.
            try await withGracefulShutdownHandler {
                try await Self.stream(backlog: backlog, events: events, ledger: ledger, to: &writer)
            } onGracefulShutdown: {
                inbox.close()
            }
        }
        return Response(
            status: .ok,
            headers: [.contentType: MIMEType.eventStream.utf8ContentType, .cacheControl: "no-store"],
            body: body)
    }

    private static func stream(
        backlog: [InboxMessage], events: AsyncStream<InboxMessage>, ledger: SandboxLedger,
        to writer: inout any ResponseBodyWriter
    ) async throws {
        let deadline = ContinuousClock.now + Self.streamLifetime
        try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
        for message in backlog { try await writer.write(ByteBuffer(string: Self.event(for: message))) }
        // Heartbeats keep proxies and the browser from timing the stream out; the stream ends at
        // its deadline (the browser reconnects) or when the inbox closes.
        try await withThrowingTaskGroup(of: Void.self) { group in
            let (ticks, tick) = AsyncStream.makeStream(of: String.self)
            group.addTask {
                while ContinuousClock.now < deadline {
                    try await Task.sleep(for: Self.heartbeat)
                    tick.yield(": heartbeat\n\n")
                }
                tick.finish()
            }
            group.addTask {
                for await message in events { tick.yield(Self.event(for: message)) }
                tick.finish()
            }
            group.addTask {
                // The panel as it is now, then whenever the count of answers moved.
                var shownVersion = -1
                while ContinuousClock.now < deadline {
                    let snapshot = ledger.snapshot
                    if snapshot.version != shownVersion, let event = Self.event(for: snapshot) {
                        tick.yield(event)
                        shownVersion = snapshot.version
                    }
                    try await Task.sleep(for: Self.panelInterval)
                }
            }
            for await text in ticks { try await writer.write(ByteBuffer(string: text)) }
            group.cancelAll()
        }
        try await writer.finish(nil)
    }

    static func event(for message: InboxMessage) -> String {
        let key = message.conversation
        let conversation = conversationValues(key, messages: [message], selected: false)
        let payload: [String: Any] = [
            "conversation": conversationID(key),
            "last": summaryLine(message),
            "bubble": InboxTemplates.library.render("bubble", messageValues(message)),
            "item": InboxTemplates.library.render("item", conversation),
            "pane": InboxTemplates.library.render("pane", conversation),
        ]
        return "id: \(message.sequence)\nevent: message\ndata: \(json(payload))\n\n"
    }

    /// The rehearsal panel as an event, or nil before anything was answered.
    static func event(for snapshot: SandboxLedger.Snapshot) -> String? {
        guard let values = rehearsalValues(snapshot) else { return nil }
        let html = InboxTemplates.library.render("rehearsal", values)
        return "event: rehearsal\ndata: \(json(["html": html]))\n\n"
    }

    /// JSON on one line (the format has no raw newlines in strings), so it fits one `data:` field.
    static func json(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: - Media

    private func serveMedia(_ request: Request, context: some RequestContext, includeBody: Bool) async throws
        -> Response
    {
        guard let media, let id = context.parameters.get("id"), let name = context.parameters.get("name"),
            let path = media.path(id: id, name: name.removingPercentEncoding ?? name)
        else {
            return Response(
                status: .notFound, headers: [.contentType: MIMEType.json.utf8ContentType],
                body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"message":"media not found","success":false}"#)))
        }
        return try await media.response(
            path: path, range: request.headers[.range], includeBody: includeBody, context: context)
    }

    // MARK: - Policy

    /// What the page may load and do: its own script, style sheet, media and live stream, images
    /// of `data:` URIs (videos' poster frames, made by the sandbox), nothing inline, no form sent
    /// anywhere, no `<base>` moving its links. (Browsers offer no policy against navigation
    /// itself: that rests on the escaping.)
    static let policy = [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "media-src 'self'",
        "connect-src 'self'", "form-action 'none'", "base-uri 'none'",
    ].joined(separator: "; ")

    /// The header also keeps the page out of other sites' frames (a directive browsers ignore in `<meta>`).
    static let policyHeader = policy + "; frame-ancestors 'none'"

    static func html(_ text: String) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: MIMEType.html.utf8ContentType, .cacheControl: "no-store",
                .contentSecurityPolicy: policyHeader, .xContentTypeOptions: "nosniff",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// The page's script or style sheet: constants of ``InboxTemplates``.
    static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: type, .cacheControl: "no-store", .xContentTypeOptions: "nosniff"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
