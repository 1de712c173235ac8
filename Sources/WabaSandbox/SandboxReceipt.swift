public import WabaMedia

/// What the sandbox received in one request and what it answered.
public struct SandboxReceipt: Sendable, Hashable, Codable {
    public var status: Int
    /// The answer's `message`.
    public var message: String
    public var messageID: String?
    public var channelID: String?
    public var contactID: String?
    public var threadID: String?
    public var mediaType: String?
    public var content: String?
    public var fileName: String?
    public var saveMessage: Bool?
    /// `url` or `base64`.
    public var mediaKind: String?
    public var mediaURL: String?
    /// Decoded size of a base64 upload.
    public var mediaBytes: Int?
    /// What the sandbox's own detection says the upload is.
    public var detectedMIME: MIMEType?
    /// Where the decoded upload was kept (only with a store directory).
    public var storedPath: String?
    /// The Content-Length the client announced.
    public var contentLength: Int?
    /// The body bytes actually received.
    public var bodyBytes: Int
    public var findings: [Finding]

    enum CodingKeys: String, CodingKey {
        case status, message, content, findings
        case messageID = "message_id"
        case channelID = "channel_id"
        case contactID = "contact_id"
        case threadID = "thread_id"
        case mediaType = "media_type"
        case fileName = "file_name"
        case saveMessage = "save_message"
        case mediaKind = "media_kind"
        case mediaURL = "media_url"
        case mediaBytes = "media_bytes"
        case detectedMIME = "detected_mime"
        case storedPath = "stored_path"
        case contentLength = "content_length"
        case bodyBytes = "body_bytes"
    }
}
