public import Foundation
public import WabaMedia

/// One message as the recipient would see it, for the sandbox's web inbox.
public struct InboxMessage: Sendable, Hashable {
    /// Its place among everything the inbox recorded, from 1: the live stream's event id.
    public var sequence: Int
    /// The conversation it belongs to: channel and contact, or the thread id when only that was given.
    public var conversation: String
    public var receipt: SandboxReceipt
    public var receivedAt: Date
    /// What the sandbox's probes found in the stored upload (duration, dimensions), when it was kept.
    public var inspection: Inspection?
    /// A video's poster frame, or an audio file's duration and level, when the upload was kept.
    public var preview: MediaPreview?

    public var delivered: Bool { receipt.status == 200 }
}
