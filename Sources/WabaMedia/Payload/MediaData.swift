/// What `media_data` carries: a URL the platform fetches, or the file's bytes in base64.
public enum MediaData: Sendable, Hashable {
    /// A public `http(s)` URL, passed through as is.
    case url(String)
    /// A file on disk, streamed and encoded in chunks when the body is written.
    case file(path: String)
    /// Bytes in memory (small media, library users).
    case bytes([UInt8])
}
