/// What the send-media API answered, as it answered it: a gateway hands it back unchanged.
public struct SendMediaAnswer: Sendable, Hashable {
    /// The HTTP status, whatever it is.
    public var status: Int
    /// The answer's `Content-Type`, when it gave one.
    public var contentType: String?
    /// The answer's body, byte for byte (at most 1 MiB).
    public var body: [UInt8]

    public init(status: Int, contentType: String?, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }
}
