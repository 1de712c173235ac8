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

    /// The manifest line it was read from; nil for an argument.
    public var line: Int? {
        switch self {
        case .asset(let asset): asset.line
        case .invalid(let invalid): invalid.line
        }
    }
}
