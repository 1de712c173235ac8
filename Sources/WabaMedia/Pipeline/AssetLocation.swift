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
