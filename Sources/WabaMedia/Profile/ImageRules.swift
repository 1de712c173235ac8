public struct ImageRules: Sendable, Hashable {
    public var maxBytes: Int
    public var formats: [AcceptedFormat]
    /// Types the transform stage converts into an accepted one.
    public var convertible: [MIMEType]
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
        maxBytes: Int, formats: [AcceptedFormat], convertible: [MIMEType], maxInputPixels: Int,
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
