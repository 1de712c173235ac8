/// One elementary stream inside a container.
public struct AVTrack: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CustomStringConvertible {
        case video, audio, subtitle, timecode, metadata, other
        public var description: String { rawValue }
    }

    /// The container's own track number (`tkhd` track ID, Matroska track number, OGG serial), if any.
    public var id: Int?
    public var kind: Kind
    /// A short codec name: `h264`, `hevc`, `vp9`, `av1`, `aac`, `opus`, `vorbis`, `mp3`, `amr_nb`, `pcm_s16le`, ...
    public var codec: String
    /// The codec as the container names it: an ISO sample entry fourcc (`avc1`, `mp4a`), a Matroska
    /// codec ID (`V_VP9`), a WAV format tag (`0x0001`).
    public var codecTag: String?
    /// For `mp4a` entries: the MPEG-4 object type indication (`0x40` for AAC, `0x6B` for MP3).
    public var objectType: Int?
    /// For AAC: the audio object type (2 for AAC-LC, 5 for HE-AAC, ...).
    public var audioObjectType: Int?
    public var durationSeconds: Double?
    public var width: Int?
    public var height: Int?
    /// Frames per second (the average, from the sample count and the track duration).
    public var frameRate: Double?
    /// Clockwise display rotation in degrees (0, 90, 180, 270) from the track matrix.
    public var rotation: Int?
    public var channels: Int?
    public var sampleRate: Int?
    /// H.264 profile from `avcC`: `baseline`, `constrained-baseline`, `main`, `extended`, `high`, `high10`,
    /// `high422`, `high444`, ...
    public var h264Profile: String?
    /// H.264 level from `avcC`, such as `3.1`.
    public var h264Level: String?
    /// Whether samples are stored out of presentation order (a `ctts` box): B-frames.
    public var hasBFrames: Bool?
    /// For Opus: samples to drop at the start (at 48 kHz).
    public var preSkip: Int?
    /// The video's transfer characteristics as ISO/IEC 23091-2 numbers them (`colr` box, Matroska
    /// `Colour`): 1 BT.709, 16 PQ (HDR10, Dolby Vision), 18 HLG (iPhone HDR); nil when unsaid.
    public var colourTransfer: Int?

    /// Whether the video is HDR (PQ or HLG), which phones without HDR show washed out.
    public var isHDR: Bool { colourTransfer == 16 || colourTransfer == 18 }

    public init(id: Int? = nil, kind: Kind, codec: String, codecTag: String? = nil) {
        self.id = id
        self.kind = kind
        self.codec = codec
        self.codecTag = codecTag
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, codec, width, height, rotation, channels
        case codecTag = "codec_tag"
        case objectType = "object_type"
        case audioObjectType = "audio_object_type"
        case durationSeconds = "duration_seconds"
        case frameRate = "frame_rate"
        case sampleRate = "sample_rate"
        case h264Profile = "h264_profile"
        case h264Level = "h264_level"
        case hasBFrames = "has_b_frames"
        case preSkip = "pre_skip"
        case colourTransfer = "colour_transfer"
    }
}
