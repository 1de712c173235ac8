/// Where an asset's bytes are: a local file or a remote URL.
public enum AssetLocation: Sendable, Hashable, CustomStringConvertible {
    case file(String)
    case url(String)

    public var description: String {
        switch self {
        case .file(let path): path
        case .url(let url): url
        }
    }

    /// Classifies what a user typed: `http://` and `https://` are URLs, anything else with `://` is
    /// refused, and the rest are paths.
    public init(argument: String) throws(WabaMediaError) {
        if Self.isURL(argument) {
            self = .url(argument)
        } else if argument.contains("://") {
            throw WabaMediaError(
                .invalidArgument, "\(argument) is neither a local file nor an http(s) URL",
                hint: "the platform fetches only public http(s) URLs")
        } else {
            self = .file(argument)
        }
    }

    /// Whether `argument` names a remote asset (an `http` or `https` URL).
    public static func isURL(_ argument: String) -> Bool {
        let lowered = argument.prefix(8).lowercased()
        return lowered.hasPrefix("http://") || lowered.hasPrefix("https://")
    }
}

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

/// What an input yields: an asset to check, or a problem with the input itself (a malformed manifest
/// row, a folder that cannot be read, a pattern that matches nothing), reported in its place.
public enum BatchEntry: Sendable, Hashable {
    case asset(BatchAsset)
    case invalid(InvalidInput)

    public var origin: String {
        switch self {
        case .asset(let asset): asset.origin
        case .invalid(let invalid): invalid.origin
        }
    }
}

/// An input that names no asset that can be checked, and why.
public struct InvalidInput: Sendable, Hashable {
    /// Where: `manifest.csv:12`, or the argument.
    public var origin: String
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
