/// An input that names no asset that can be checked, and why.
public struct InvalidInput: Sendable, Hashable {
    /// Where: `manifest.csv:12`, or the argument.
    public var origin: String
    /// The manifest line it was read from (1-based, the header counting); nil for an argument.
    public var line: Int?
    /// What the input named, as far as it could be read (a path, a URL, a raw line).
    public var subject: String
    public var mediaType: MediaType?
    public var finding: Finding

    public init(origin: String, subject: String, mediaType: MediaType? = nil, finding: Finding) {
        self.origin = origin
        self.subject = subject
        self.mediaType = mediaType
        self.finding = finding
    }
}
