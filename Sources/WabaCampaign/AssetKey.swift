public import WabaMedia

/// What a prepared asset's `media_url` is recorded under: the SHA-256 of the bytes sent and the media
/// type they are sent as. Messages whose assets have one key send the same media, whichever file it
/// was prepared from, so the first upload's URL serves them all.
public struct AssetKey: Sendable, Hashable, CustomStringConvertible {
    /// The SHA-256 of the prepared bytes, in lower-case hex.
    public var digest: String
    public var mediaType: MediaType

    public init(digest: String, mediaType: MediaType) {
        self.digest = digest
        self.mediaType = mediaType
    }

    /// The key of the bytes of `media`, sent as `mediaType`: reads the whole file once.
    ///
    /// - Throws: ``WabaMediaError`` when the file cannot be read.
    public init(hashing media: FileSource, as mediaType: MediaType) throws {
        self.init(digest: try ContentDigest.sha256(of: media), mediaType: mediaType)
    }

    /// The key as a journal stores it: `<digest>/<media type>`.
    public var text: String { "\(digest)/\(mediaType.rawValue)" }

    public var description: String { text }
}
