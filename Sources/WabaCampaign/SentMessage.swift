/// What the API answered for a sent message.
public struct SentMessage: Sendable, Hashable, Codable {
    public var messageID: String
    public var providerID: String
    public var mediaURL: String

    public init(messageID: String, providerID: String, mediaURL: String) {
        self.messageID = messageID
        self.providerID = providerID
        self.mediaURL = mediaURL
    }
}
