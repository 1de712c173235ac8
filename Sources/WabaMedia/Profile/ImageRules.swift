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
    /// Meta's "Images must be 8-bit, RGB or RGBA": greyscale and grey+alpha images are converted
    /// to sRGB RGB or RGBA (`image-colour-model`). Off: they are sent as grey, which some
    /// receivers refuse or show wrongly.
    public var requireRGB: Bool
    /// Colours are sRGB: an image tagged with another ICC profile (Display P3, Adobe RGB, ...) is
    /// converted to sRGB (`image-colour-profile`). Off: it is sent as tagged, and viewers that
    /// ignore profiles show it washed out or with wrong colours.
    public var requireSRGB: Bool

    public init(
        maxBytes: Int, formats: [AcceptedFormat], convertible: [MIMEType], maxInputPixels: Int,
        maxLongEdge: Int, jpegQuality: QualityRange, background: RGBColour, keepPNGForAlpha: Bool,
        requireRGB: Bool = true, requireSRGB: Bool = true
    ) {
        self.maxBytes = maxBytes
        self.formats = formats
        self.convertible = convertible
        self.maxInputPixels = maxInputPixels
        self.maxLongEdge = maxLongEdge
        self.jpegQuality = jpegQuality
        self.background = background
        self.keepPNGForAlpha = keepPNGForAlpha
        self.requireRGB = requireRGB
        self.requireSRGB = requireSRGB
    }
}
