public struct VideoRules: Sendable, Hashable {
    public var maxBytes: Int
    public var formats: [AcceptedFormat]
    /// Containers rewritten to MP4 without transcoding when their codecs are allowed.
    public var remuxable: [MIMEType]
    /// Allowed video codecs, by short name (`h264`, `hevc`, ...).
    public var videoCodecs: [String]
    /// Allowed audio codecs inside a video, by short name (`aac`, ...).
    public var audioCodecs: [String]
    public var maxAudioStreams: Int
    /// H.264 profiles that only draw a warning (none by default; `high` relaxes Meta's rule).
    public var h264WarnProfiles: [String]
    /// H.264 profiles that are re-encoded in Main, or refused without ffmpeg (`high`, which Meta's
    /// page says Android clients do not support, and `high10`, `high422`, `high444`).
    public var h264RejectProfiles: [String]
    /// B-frames are removed by a re-encode, as Meta's page asks; false only warns about them.
    public var fixesBFrames: Bool
    /// The longest an animated GIF or WebP sent as video may play, in seconds: a longer one is
    /// refused (`animation-too-long`). A few kilobytes of GIF can ask for hours of video.
    public var maxAnimationSeconds: Int

    /// The default of ``maxAnimationSeconds``.
    public static let defaultMaxAnimationSeconds = 60
    /// The largest ``maxAnimationSeconds`` a profile may set: every frame plays at least 20 ms, so an
    /// animation whose frames are counted only up to ``AnimationScan/maxFrames`` is still known
    /// to be over it.
    public static let maxAnimationSecondsLimit = 1_800

    public init(
        maxBytes: Int, formats: [AcceptedFormat], remuxable: [MIMEType], videoCodecs: [String],
        audioCodecs: [String], maxAudioStreams: Int, h264WarnProfiles: [String],
        h264RejectProfiles: [String], fixesBFrames: Bool = true,
        maxAnimationSeconds: Int = VideoRules.defaultMaxAnimationSeconds
    ) {
        self.maxBytes = maxBytes
        self.formats = formats
        self.remuxable = remuxable
        self.videoCodecs = videoCodecs
        self.audioCodecs = audioCodecs
        self.maxAudioStreams = maxAudioStreams
        self.h264WarnProfiles = h264WarnProfiles
        self.h264RejectProfiles = h264RejectProfiles
        self.fixesBFrames = fixesBFrames
        self.maxAnimationSeconds = maxAnimationSeconds
    }
}
