/// A set of limits that media must meet: WhatsApp's own, or a stricter house policy.
///
/// Profiles are read from YAML (see `profiles/` in the repository); ``MediaProfile/whatsappCloud``
/// is the default and is compiled into the library, so it works wherever the code runs.
public struct MediaProfile: Sendable, Hashable {
    public var name: String
    public var summary: String?
    public var captionMaxCharacters: Int
    public var image: ImageRules
    public var video: VideoRules
    public var audio: AudioRules
    public var document: DocumentRules

    public init(
        name: String, summary: String? = nil, captionMaxCharacters: Int,
        image: ImageRules, video: VideoRules, audio: AudioRules, document: DocumentRules
    ) {
        self.name = name
        self.summary = summary
        self.captionMaxCharacters = captionMaxCharacters
        self.image = image
        self.video = video
        self.audio = audio
        self.document = document
    }

    /// The byte limit for a media type.
    public func maxBytes(for mediaType: MediaType) -> Int {
        switch mediaType {
        case .image: image.maxBytes
        case .video: video.maxBytes
        case .audio: audio.maxBytes
        case .document: document.maxBytes
        }
    }

    /// The MIME types a media type accepts as they are, with their canonical extensions.
    public func formats(for mediaType: MediaType) -> [AcceptedFormat] {
        switch mediaType {
        case .image: image.formats
        case .video: video.formats
        case .audio: audio.formats
        case .document: document.formats
        }
    }

    /// The accepted format for a MIME type under a media type, if it is accepted as is.
    public func format(for mime: MIMEType, as mediaType: MediaType) -> AcceptedFormat? {
        formats(for: mediaType).first { $0.mime == mime }
    }

    /// The canonical extension for a MIME type under any media type of this profile.
    public func canonicalExtension(for mime: MIMEType) -> String? {
        for mediaType in MediaType.allCases {
            if let format = format(for: mime, as: mediaType) { return format.fileExtension }
        }
        return nil
    }
}
