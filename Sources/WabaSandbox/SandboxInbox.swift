public import Foundation
import Synchronization
public import WabaMedia

/// Every message the sandbox received, grouped into conversations, and the pages watching them live.
///
/// The sandbox records each request once it answered it; open pages get each new message through a
/// stream of their own, which ends when the page goes away or the inbox closes.
public final class SandboxInbox: Sendable {
    /// Older messages are dropped beyond this many, so a long-running sandbox keeps flat memory.
    public static let capacity = 5_000
    /// How many events a slow page may fall behind before it misses some (it reloads to catch up).
    static let bufferedEvents = 256

    private struct State {
        var messages: [InboxMessage] = []
        var nextSequence = 1
        var watchers: [UUID: AsyncStream<InboxMessage>.Continuation] = [:]
        var closed = false
    }

    private let state = Mutex(State())
    private let inspector: MediaInspector?
    /// What makes the previews of kept videos and audio files.
    private let ffmpeg: FFmpegChoice
    /// How long a preview may take; nil keeps the previews' own limits.
    private let previewTimeLimit: Duration?

    init(detector: MIMEDetector?, ffmpeg: FFmpegChoice = .installed, previewTimeLimit: Duration? = nil) {
        inspector = detector.map { MediaInspector(detector: $0, options: .init(imageVerification: .header)) }
        self.ffmpeg = ffmpeg
        self.previewTimeLimit = previewTimeLimit
    }

    /// Everything recorded, oldest first.
    public var messages: [InboxMessage] { state.withLock { $0.messages } }

    /// Records a request the sandbox answered. Delivered messages and refusals of a known
    /// conversation are shown; requests too broken to belong to one (no key, no fields) are not.
    /// A kept video gets its poster frame and a kept audio file its level first (``MediaPreview``:
    /// an ffmpeg run of a few seconds at most), so the message appears whole, in the page and in
    /// the live stream alike.
    func record(_ receipt: SandboxReceipt) async {
        guard let conversation = Self.conversation(of: receipt) else { return }
        let inspection = receipt.storedPath.flatMap { try? inspector?.inspect(path: $0) }
        var preview: MediaPreview?
        if receipt.status == 200, let path = receipt.storedPath,
            let mediaType = receipt.mediaType.flatMap(MediaType.init(rawValue:))
        {
            preview = await MediaPreview.make(
                path: path, mediaType: mediaType, durationSeconds: inspection?.av?.durationSeconds, ffmpeg: ffmpeg,
                timeLimit: previewTimeLimit)
        }
        state.withLock { state in
            guard !state.closed else { return }
            let message = InboxMessage(
                sequence: state.nextSequence, conversation: conversation, receipt: receipt, receivedAt: Date(),
                inspection: inspection, preview: preview)
            state.nextSequence += 1
            state.messages.append(message)
            if state.messages.count > Self.capacity { state.messages.removeFirst(state.messages.count - Self.capacity) }
            for watcher in state.watchers.values { watcher.yield(message) }
        }
    }

    /// The messages after `sequence`, and a stream of what comes next, taken at the same instant
    /// so a page misses nothing between its snapshot and its stream. The stream ends with ``close()``.
    func watch(after sequence: Int) -> (backlog: [InboxMessage], events: AsyncStream<InboxMessage>) {
        let (stream, continuation) = AsyncStream.makeStream(
            of: InboxMessage.self, bufferingPolicy: .bufferingNewest(Self.bufferedEvents))
        let id = UUID()
        let backlog = state.withLock { state -> [InboxMessage] in
            guard !state.closed else {
                continuation.finish()
                return []
            }
            state.watchers[id] = continuation
            return state.messages.filter { $0.sequence > sequence }
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
        }
        return (backlog, stream)
    }

    /// The newest message's sequence number (0 when there is none).
    var lastSequence: Int { state.withLock { $0.nextSequence - 1 } }

    /// Ends every live stream, so a stopping server does not wait on open pages.
    func close() {
        let watchers = state.withLock { state in
            state.closed = true
            defer { state.watchers.removeAll() }
            return Array(state.watchers.values)
        }
        for watcher in watchers { watcher.finish() }
    }

    /// Reopens after ``close()`` (a server started again).
    func reopen() { state.withLock { $0.closed = false } }

    /// Channel and contact name a conversation; a thread id alone names one when they are absent.
    static func conversation(of receipt: SandboxReceipt) -> String? {
        if let channel = receipt.channelID, let contact = receipt.contactID, !channel.isEmpty, !contact.isEmpty {
            return "\(channel) → \(contact)"
        }
        if let thread = receipt.threadID, !thread.isEmpty { return "thread \(thread)" }
        return nil
    }
}
