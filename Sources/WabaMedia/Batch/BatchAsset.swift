/// One asset of a batch, with what its input (a manifest row, say) says about it.
public struct BatchAsset: Sendable, Hashable {
    public var location: AssetLocation
    /// The media type it is to be sent as; inferred from the content when nil.
    public var mediaType: MediaType?
    public var caption: String?
    /// The name the recipient sees (documents), when the input gives one.
    public var fileName: String?
    /// Where the asset was named: the argument itself, or `manifest.csv:12`.
    public var origin: String
    /// The manifest line it was read from (1-based, the header counting); nil for an argument.
    public var line: Int?
    /// The manifest row's other columns that were asked for (``ManifestReader/Source/extraColumns``),
    /// by their lower-case names; empty ones are left out.
    public var columns: [String: String] = [:]

    public init(
        location: AssetLocation, mediaType: MediaType? = nil, caption: String? = nil, fileName: String? = nil,
        origin: String
    ) {
        self.location = location
        self.mediaType = mediaType
        self.caption = caption
        self.fileName = fileName
        self.origin = origin
    }
}
