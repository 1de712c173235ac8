/// How an image's samples are to be read, in libvips' names (`srgb`, `b-w`, `cmyk`, `rgb16`, ...).
///
/// An open set, since libvips names more than WhatsApp cares about (`lab`, `xyz`, `scrgb`, ...);
/// what the package decides from it is decided here, once.
public struct ColourSpace: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public static let sRGB: Self = "srgb"
    public static let rgb: Self = "rgb"
    public static let rgb16: Self = "rgb16"
    public static let grey: Self = "b-w"
    public static let grey16: Self = "grey16"
    public static let cmyk: Self = "cmyk"
    /// Bands without a stated meaning, as libvips calls some PNGs and TIFFs.
    public static let multiband: Self = "multiband"

    /// RGB or grey, at any depth: what WhatsApp shows as it is (depth is judged apart).
    public var isRGBOrGrey: Bool {
        [Self.sRGB, .rgb, .rgb16, .grey, .grey16, .multiband].contains(self)
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
