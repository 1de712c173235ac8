/// One thing validation noticed about a file, in the words users see.
///
/// Findings are collected, never thrown: a file can have several at once, and the
/// worst one decides the ``Verdict``.
public struct Finding: Sendable, Hashable, Codable {
    /// How much a finding weighs.
    public enum Severity: String, Sendable, Hashable, Codable, Comparable {
        /// Worth knowing; the file is sent as it is.
        case warning
        /// The pipeline changes the file so it conforms.
        case fixable
        /// The file cannot be sent as the requested media type.
        case rejected

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }

        private var rank: Int {
            switch self {
            case .warning: 0
            case .fixable: 1
            case .rejected: 2
            }
        }
    }

    /// A stable, machine-readable name for a kind of finding.
    ///
    /// Codes are part of the public contract (scripts match on them), so they are
    /// strings that only ever grow, not an enum that would break on a new case.
    public struct Code: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible,
        ExpressibleByStringLiteral
    {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }
        public var description: String { rawValue }

        public init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(String.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
    }

    public var code: Code
    public var severity: Severity
    public var message: String
    public var hint: String

    public init(_ code: Code, _ severity: Severity, message: String, hint: String) {
        self.code = code
        self.severity = severity
        self.message = message
        self.hint = hint
    }
}

extension Finding.Code {
    /// The file has no bytes.
    public static let empty: Self = "empty"
    /// The file cannot be read or decoded (truncated, corrupt, unknown format).
    public static let unreadable: Self = "unreadable"
    /// The content's type is not one the requested media type accepts.
    public static let mimeMismatch: Self = "mime-mismatch"
    /// The content's type is accepted only after conversion (HEIC, WebP, GIF, ...).
    public static let needsConversion: Self = "needs-conversion"
    /// The file's extension does not match its content.
    public static let extensionMismatch: Self = "extension-mismatch"
    /// The file is over the profile's byte limit.
    public static let tooLarge: Self = "too-large"
    /// The image's samples are not 8-bit.
    public static let notEightBit: Self = "not-8-bit"
    /// The image is not RGB, RGBA or grey (CMYK, Lab, ...).
    public static let colourSpace: Self = "colour-space"
    /// The image carries an EXIF orientation that must be applied before metadata is stripped.
    public static let orientation: Self = "orientation"
    /// The image carries metadata (EXIF, GPS, XMP) that would leave the sender's machine.
    public static let metadata: Self = "metadata"
    /// The content records where it was made (EXIF or XMP GPS, MP4/MOV location atoms): removed
    /// before sending unless metadata is kept.
    public static let location: Self = "location"
    /// A metadata block (PNG text or profile chunk, JPEG APP segments) is too large to read
    /// safely, possibly a decompression bomb: the image is re-saved without it.
    public static let oversizedMetadata: Self = "oversized-metadata"
    /// The image has more pixels than the profile allows decoding.
    public static let tooManyPixels: Self = "too-many-pixels"
    /// The image is larger than the profile's long edge.
    public static let dimensions: Self = "dimensions"
    /// The image is animated (GIF, WebP, APNG); only its first frame can be sent.
    public static let animated: Self = "animated"
    /// The caption is longer than the profile allows.
    public static let captionTooLong: Self = "caption-too-long"
    /// A caption was given for a media type that does not show one.
    public static let captionIgnored: Self = "caption-ignored"
}
