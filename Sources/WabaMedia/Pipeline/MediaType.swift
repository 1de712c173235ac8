/// The kinds of media message the send-media API accepts.
public enum MediaType: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case image
    case video
    case audio
    case document

    public var description: String { rawValue }

    /// The media type a MIME type most naturally belongs to, used when none was asked for.
    ///
    /// `image/*` is an image, `video/*` a video, `audio/*` audio; everything else is a document.
    public init(inferredFrom mime: MIMEType) {
        switch mime.topLevelType {
        case "image": self = .image
        case "video": self = .video
        case "audio": self = .audio
        default: self = .document
        }
    }
}
