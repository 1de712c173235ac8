import Foundation
import Synchronization

/// One send-media request on its way through the sandbox: what was received, for its receipt, and
/// the message the handler accepted. The middleware and the handler add to it as they go; the
/// recording middleware writes it down whatever the answer was.
final class SendExchange: Sendable {
    /// What the handler accepted: final once the answer has passed the fault injection.
    struct Acceptance: Sendable {
        /// The answer's `message`.
        var message: String
        /// The thread the message went to: the request's, or a new one.
        var thread: String
        var accepted: SandboxAcceptedMessage
        /// The upload behind the media, when the sandbox knows it (a base64 upload, or a URL it issued).
        var upload: IssuedMediaURLs.Upload?
    }

    private struct State {
        var receipt = SandboxReceipt(status: 0, message: "", bodyBytes: 0, findings: [])
        var acceptance: Acceptance?
    }

    private let id = UUID().uuidString.lowercased()
    private let state = Mutex(State())

    /// The id the message gets if it is accepted (`msg-…`): also its folder's name in the store.
    var messageID: String { "msg-\(id)" }

    /// Where the request's upload is decoded and checked: its folder in the store, or a temporary one.
    func directory(in store: String?) -> URL {
        if let store { return URL(fileURLWithPath: store).appendingPathComponent(messageID) }
        return FileManager.default.temporaryDirectory.appendingPathComponent("wamedia-sandbox-\(id)")
    }

    var receipt: SandboxReceipt {
        get { state.withLock { $0.receipt } }
        set { state.withLock { $0.receipt = newValue } }
    }

    /// Counts `count` more body bytes received and returns how many were received in all.
    func received(_ count: Int) -> Int {
        state.withLock { state in
            state.receipt.bodyBytes += count
            return state.receipt.bodyBytes
        }
    }

    var acceptance: Acceptance? {
        get { state.withLock { $0.acceptance } }
        set { state.withLock { $0.acceptance = newValue } }
    }
}
