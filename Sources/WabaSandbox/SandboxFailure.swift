public import Foundation

/// A request the sandbox did not accept, as the inbox's rehearsal panel lists it.
public struct SandboxFailure: Sendable, Hashable {
    public var time: Date
    public var status: Int
    /// The contact, or `thread …`, when the request got far enough to name one.
    public var recipient: String?
    /// The answer's message.
    public var reason: String
}
