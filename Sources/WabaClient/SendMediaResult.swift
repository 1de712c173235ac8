/// What the API answered for a message it accepted.
public struct SendMediaResult: Sendable, Hashable, Codable {
    public var messageID: String
    /// WhatsApp's own message id (`wamid.…`).
    public var providerID: String
    /// Where the media is stored: the given URL, or the platform's storage URL for an upload.
    public var mediaURL: String
    public var threadID: String
    /// The server's own words (`Media enviado y guardado`).
    public var message: String
    /// How many attempts it took (more than 1 only after retries).
    public var attempts: Int

    public init(
        messageID: String, providerID: String, mediaURL: String, threadID: String, message: String, attempts: Int = 1
    ) {
        self.messageID = messageID
        self.providerID = providerID
        self.mediaURL = mediaURL
        self.threadID = threadID
        self.message = message
        self.attempts = attempts
    }

    enum CodingKeys: String, CodingKey {
        case message, attempts
        case messageID = "message_id"
        case providerID = "provider_id"
        case mediaURL = "media_url"
        case threadID = "thread_id"
    }
}
