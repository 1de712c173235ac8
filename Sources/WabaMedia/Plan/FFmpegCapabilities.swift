/// The ffmpeg a preparation may transcode with: the one found, with the encoders it lists, or none.
///
/// A value the caller obtains once, by awaiting ffmpeg's lookup, and hands to the
/// ``PreparationPlanner``: planning never waits for a child process.
public struct FFmpegCapabilities: Sendable, Hashable {
    /// The ffmpeg found; nil when there is none, or none is to be used.
    public var ffmpeg: FFmpeg?

    public init(_ ffmpeg: FFmpeg?) {
        self.ffmpeg = ffmpeg
    }

    /// No ffmpeg: a file that must be transcoded is rejected with `ffmpeg-missing`.
    public static let none = FFmpegCapabilities(nil)

    /// The ffmpeg this process finds (``FFmpeg/installed``), once its encoders are listed: awaited,
    /// never blocking a thread. ``FFmpeg/findInBackground()`` starts the listing early.
    public static func installed() async -> FFmpegCapabilities {
        FFmpegCapabilities(await FFmpeg.installedLookup.ffmpeg())
    }

    /// The ffmpeg at `executable`, assumed to have every encoder a transcode can need: what a
    /// transcode started before ffmpeg's own list is known is planned with.
    static func assumingEveryEncoder(at executable: String) -> FFmpegCapabilities {
        FFmpegCapabilities(FFmpeg(path: executable, encoders: EncoderName.all))
    }

    /// What keeps this ffmpeg from running a transcode that needs `encoders`.
    enum Shortfall: Sendable, Hashable {
        /// There is no ffmpeg at all.
        case noFFmpeg
        /// The ffmpeg lacks these encoders, sorted by name.
        case missingEncoders([String])
    }

    /// What keeps it from running a transcode that needs `encoders`; nil when nothing does.
    func shortfall(for encoders: Set<String>) -> Shortfall? {
        guard let ffmpeg else { return .noFFmpeg }
        let missing = encoders.subtracting(ffmpeg.encoders)
        return missing.isEmpty ? nil : .missingEncoders(missing.sorted())
    }
}
