/// What a rewrite did.
public struct ContainerRewriteResult: Sendable, Hashable, Codable {
    public var actions: [ContainerRewritePlan.Action]
    /// The MIME type of the output (`video/mp4` after a QuickTime conversion).
    public var outputMIME: MIMEType
    /// Track IDs that were removed, with their kind and codec.
    public var droppedTracks: [AVTrack]
    /// How many `stco` tables became `co64` because offsets grew past 4 GB.
    public var widenedChunkOffsetTables: Int
    public var bytesWritten: Int

    enum CodingKeys: String, CodingKey {
        case actions
        case outputMIME = "output_mime"
        case droppedTracks = "dropped_tracks"
        case widenedChunkOffsetTables = "widened_chunk_offset_tables"
        case bytesWritten = "bytes_written"
    }
}
