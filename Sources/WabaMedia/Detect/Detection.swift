internal import CMagic
import Synchronization

/// What a file's bytes say it is.
public struct Detection: Sendable, Hashable, Codable {
    /// The MIME type in WhatsApp's vocabulary (`audio/mp4`, not `audio/x-m4a`).
    public var mime: MIMEType
    /// What libmagic itself answered, before mapping and refinement.
    public var libmagicMIME: MIMEType
    /// How the answer was refined past libmagic's, when it was (`zip-directory`, `cfb-directory`, ...).
    public var refinement: String?

    public init(mime: MIMEType, libmagicMIME: MIMEType, refinement: String? = nil) {
        self.mime = mime
        self.libmagicMIME = libmagicMIME
        self.refinement = refinement
    }

    /// Nothing was detected: the content could not be read.
    public static let unknown = Detection(mime: .unknown, libmagicMIME: .unknown)

    enum CodingKeys: String, CodingKey {
        case mime, refinement
        case libmagicMIME = "libmagic_mime"
    }
}
