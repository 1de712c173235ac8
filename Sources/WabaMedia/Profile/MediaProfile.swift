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
    public func format(for mime: String, as mediaType: MediaType) -> AcceptedFormat? {
        formats(for: mediaType).first { $0.mime == mime }
    }

    /// The canonical extension for a MIME type under any media type of this profile.
    public func canonicalExtension(for mime: String) -> String? {
        for mediaType in MediaType.allCases {
            if let format = format(for: mime, as: mediaType) { return format.fileExtension }
        }
        return nil
    }
}

/// A MIME type that a media type accepts, and the extension a file of that type should carry.
public struct AcceptedFormat: Sendable, Hashable, Codable {
    public var mime: String
    public var fileExtension: String

    public init(mime: String, fileExtension: String) {
        self.mime = mime
        self.fileExtension = fileExtension
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case mime
        case fileExtension = "extension"
    }
}

/// An inclusive range of JPEG qualities for the byte-budget search.
public struct QualityRange: Sendable, Hashable, Codable {
    public var min: Int
    public var max: Int

    public init(min: Int, max: Int) {
        self.min = min
        self.max = max
    }
}

public struct ImageRules: Sendable, Hashable {
    public var maxBytes: Int
    public var formats: [AcceptedFormat]
    /// Types the transform stage converts into an accepted one.
    public var convertible: [String]
    /// Images with more pixels than this are refused before any decoding.
    public var maxInputPixels: Int
    /// The longest edge the transform stage produces.
    public var maxLongEdge: Int
    public var jpegQuality: QualityRange
    /// The colour transparent areas are flattened onto.
    public var background: RGBColour
    /// Whether images with transparency stay PNG when that fits the byte limit.
    public var keepPNGForAlpha: Bool

    public init(
        maxBytes: Int, formats: [AcceptedFormat], convertible: [String], maxInputPixels: Int,
        maxLongEdge: Int, jpegQuality: QualityRange, background: RGBColour, keepPNGForAlpha: Bool
    ) {
        self.maxBytes = maxBytes
        self.formats = formats
        self.convertible = convertible
        self.maxInputPixels = maxInputPixels
        self.maxLongEdge = maxLongEdge
        self.jpegQuality = jpegQuality
        self.background = background
        self.keepPNGForAlpha = keepPNGForAlpha
    }
}

/// An opaque colour, written `#rrggbb` in profiles.
public struct RGBColour: Sendable, Hashable, CustomStringConvertible {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// Parses `#rrggbb`, the one way profiles write a colour; nil for anything else.
    public init?(hex text: String) {
        guard text.utf8.count == 7, text.first == "#", text.dropFirst().allSatisfy(\.isHexDigit),
            let value = UInt32(text.dropFirst(), radix: 16)
        else { return nil }
        self.init(red: UInt8((value >> 16) & 0xFF), green: UInt8((value >> 8) & 0xFF), blue: UInt8(value & 0xFF))
    }

    public static let white = RGBColour(red: 255, green: 255, blue: 255)

    /// `#rrggbb`.
    public var description: String {
        "#" + [red, green, blue].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

public struct VideoRules: Sendable, Hashable {
    public var maxBytes: Int
    public var formats: [AcceptedFormat]
    /// Containers rewritten to MP4 without transcoding when their codecs are allowed.
    public var remuxable: [String]
    /// Allowed video codecs, by short name (`h264`, `hevc`, ...).
    public var videoCodecs: [String]
    /// Allowed audio codecs inside a video, by short name (`aac`, ...).
    public var audioCodecs: [String]
    public var maxAudioStreams: Int
    /// H.264 profiles that draw a warning (`high`).
    public var h264WarnProfiles: [String]
    /// H.264 profiles that are refused (`high10`, `high422`, `high444`).
    public var h264RejectProfiles: [String]
    /// B-frames are removed by a re-encode (the conservative profile), not only warned about.
    public var fixesBFrames: Bool
    /// The longest an animated GIF or WebP sent as video may play, in seconds: a longer one is
    /// refused (`animation-too-long`). A few kilobytes of GIF can ask for hours of video.
    public var maxAnimationSeconds: Int

    /// The default of ``maxAnimationSeconds``.
    public static let defaultMaxAnimationSeconds = 60
    /// The largest ``maxAnimationSeconds`` a profile may set: every frame plays at least 20 ms, so an
    /// animation whose frames are counted only up to ``AnimationScan/maxFrames`` is still known
    /// to be over it.
    public static let maxAnimationSecondsLimit = 1_800

    public init(
        maxBytes: Int, formats: [AcceptedFormat], remuxable: [String], videoCodecs: [String],
        audioCodecs: [String], maxAudioStreams: Int, h264WarnProfiles: [String],
        h264RejectProfiles: [String], fixesBFrames: Bool = false,
        maxAnimationSeconds: Int = VideoRules.defaultMaxAnimationSeconds
    ) {
        self.maxBytes = maxBytes
        self.formats = formats
        self.remuxable = remuxable
        self.videoCodecs = videoCodecs
        self.audioCodecs = audioCodecs
        self.maxAudioStreams = maxAudioStreams
        self.h264WarnProfiles = h264WarnProfiles
        self.h264RejectProfiles = h264RejectProfiles
        self.fixesBFrames = fixesBFrames
        self.maxAnimationSeconds = maxAnimationSeconds
    }
}

public struct AudioRules: Sendable, Hashable {
    public var maxBytes: Int
    public var formats: [AcceptedFormat]
    /// Codecs accepted inside an OGG container (`opus`).
    public var oggCodecs: [String]
    /// Voice notes above this size show no play button.
    public var voiceNoteMaxBytes: Int
    /// What audio that must be transcoded becomes, unless the caller says.
    public var transcodeTo: AudioTarget

    public init(
        maxBytes: Int, formats: [AcceptedFormat], oggCodecs: [String], voiceNoteMaxBytes: Int,
        transcodeTo: AudioTarget = .auto
    ) {
        self.maxBytes = maxBytes
        self.formats = formats
        self.oggCodecs = oggCodecs
        self.voiceNoteMaxBytes = voiceNoteMaxBytes
        self.transcodeTo = transcodeTo
    }
}

public struct DocumentRules: Sendable, Hashable {
    public var maxBytes: Int
    public var formats: [AcceptedFormat]
    /// Whether `text/csv`, `text/x-c` and other plain-text variants count as `text/plain`.
    public var textVariantsAsPlain: Bool

    public init(maxBytes: Int, formats: [AcceptedFormat], textVariantsAsPlain: Bool) {
        self.maxBytes = maxBytes
        self.formats = formats
        self.textVariantsAsPlain = textVariantsAsPlain
    }
}
