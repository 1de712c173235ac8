/// Where a `file_name` came from, so a report can say why a name was chosen.
public enum FileNameOrigin: String, Sendable, Hashable, Codable {
    /// The user's own `--file-name`.
    case user
    /// The input file's name, with its extension corrected to the content.
    case input
    /// The last path segment of a URL.
    case url
    /// Made up from the media type and a hash of the content.
    case generated
}
