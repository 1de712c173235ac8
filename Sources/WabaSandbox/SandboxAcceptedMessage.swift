public import Foundation

/// One message the sandbox accepted (answered 200): what a rehearsal proves delivery against.
public struct SandboxAcceptedMessage: Sendable, Hashable, Codable {
    public var messageID: String
    public var channelID: String?
    public var contactID: String?
    /// The `thread_id` the request gave (nil when it named a channel and contact).
    public var threadID: String?
    public var mediaType: String
    public var mediaKind: SandboxMediaKind
    /// The SHA-256 (lower-case hex) of the media's bytes: the decoded upload, or for a URL the sandbox
    /// issued, the upload it points at. Nil for any other URL, which the sandbox never fetches.
    public var mediaDigest: String?
    /// The media's size in bytes, known as the digest is.
    public var mediaBytes: Int?
    /// The `media_url` the answer carried.
    public var mediaURL: String
    /// The caption (`content`), when one was sent.
    public var content: String?
    public var acceptedAt: Date

    public init(
        messageID: String, channelID: String?, contactID: String?, threadID: String?, mediaType: String,
        mediaKind: SandboxMediaKind, mediaDigest: String?, mediaBytes: Int?, mediaURL: String, content: String?,
        acceptedAt: Date
    ) {
        self.messageID = messageID
        self.channelID = channelID
        self.contactID = contactID
        self.threadID = threadID
        self.mediaType = mediaType
        self.mediaKind = mediaKind
        self.mediaDigest = mediaDigest
        self.mediaBytes = mediaBytes
        self.mediaURL = mediaURL
        self.content = content
        self.acceptedAt = acceptedAt
    }

    enum CodingKeys: String, CodingKey {
        case content
        case messageID = "message_id"
        case channelID = "channel_id"
        case contactID = "contact_id"
        case threadID = "thread_id"
        case mediaType = "media_type"
        case mediaKind = "media_kind"
        case mediaDigest = "media_sha256"
        case mediaBytes = "media_bytes"
        case mediaURL = "media_url"
        case acceptedAt = "accepted_at"
    }

    // The time is an ISO 8601 string with milliseconds whatever the coder's date strategy, so a
    // test in another process reads `GET /sandbox/accepted` with a plain JSONDecoder.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        messageID = try container.decode(String.self, forKey: .messageID)
        channelID = try container.decodeIfPresent(String.self, forKey: .channelID)
        contactID = try container.decodeIfPresent(String.self, forKey: .contactID)
        threadID = try container.decodeIfPresent(String.self, forKey: .threadID)
        mediaType = try container.decode(String.self, forKey: .mediaType)
        mediaKind = try container.decode(SandboxMediaKind.self, forKey: .mediaKind)
        mediaDigest = try container.decodeIfPresent(String.self, forKey: .mediaDigest)
        mediaBytes = try container.decodeIfPresent(Int.self, forKey: .mediaBytes)
        mediaURL = try container.decode(String.self, forKey: .mediaURL)
        content = try container.decodeIfPresent(String.self, forKey: .content)
        let time = try container.decode(String.self, forKey: .acceptedAt)
        guard let date = try? Date(time, strategy: SandboxLedger.timeFormat) else {
            throw DecodingError.dataCorruptedError(
                forKey: .acceptedAt, in: container, debugDescription: "accepted_at is not an ISO 8601 time: \(time)")
        }
        acceptedAt = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(messageID, forKey: .messageID)
        try container.encodeIfPresent(channelID, forKey: .channelID)
        try container.encodeIfPresent(contactID, forKey: .contactID)
        try container.encodeIfPresent(threadID, forKey: .threadID)
        try container.encode(mediaType, forKey: .mediaType)
        try container.encode(mediaKind, forKey: .mediaKind)
        try container.encodeIfPresent(mediaDigest, forKey: .mediaDigest)
        try container.encodeIfPresent(mediaBytes, forKey: .mediaBytes)
        try container.encode(mediaURL, forKey: .mediaURL)
        try container.encodeIfPresent(content, forKey: .content)
        try container.encode(acceptedAt.formatted(SandboxLedger.timeFormat), forKey: .acceptedAt)
    }
}
