/// What the container rewriter may change.
public struct ContainerRewriteOptions: Sendable, Hashable, Codable {
    /// Rewrite a QuickTime movie as MP4 (new `ftyp`, timecode/metadata/text tracks dropped,
    /// QuickTime sound descriptions turned into MP4 ones).
    public var convertQuickTime: Bool
    /// Keep a single audio track when there are several.
    public var keepOneAudioTrack: Bool
    /// Which audio track to keep, counting audio tracks from 0 in file order; nil keeps the first.
    public var audioTrack: Int?
    /// Keep the movie's metadata, location included. Off, the location atoms are removed from any
    /// file (a rewrite for that alone, when nothing else is needed), and a file rewritten for
    /// another reason loses all its user metadata.
    public var keepMetadata: Bool

    public init(
        convertQuickTime: Bool = true, keepOneAudioTrack: Bool = true, audioTrack: Int? = nil,
        keepMetadata: Bool = false
    ) {
        self.convertQuickTime = convertQuickTime
        self.keepOneAudioTrack = keepOneAudioTrack
        self.audioTrack = audioTrack
        self.keepMetadata = keepMetadata
    }

    enum CodingKeys: String, CodingKey {
        case convertQuickTime = "convert_quicktime"
        case keepOneAudioTrack = "keep_one_audio_track"
        case audioTrack = "audio_track"
        case keepMetadata = "keep_metadata"
    }
}
