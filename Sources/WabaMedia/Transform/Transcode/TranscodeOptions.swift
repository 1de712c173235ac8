/// How audio and video that WhatsApp would refuse are transcoded.
public struct TranscodeOptions: Sendable, Hashable {
    public var speed: TranscodeSpeed
    /// nil: the profile's ``AudioRules/transcodeTo``.
    public var audioAs: AudioTarget?
    /// The wall-clock limit of one ffmpeg run; nil: derived from the duration (two minutes plus
    /// twenty times the duration).
    public var timeLimit: Duration?
    public var ffmpeg: FFmpegChoice
    /// What answers for ``FFmpegChoice/installed``: the process's own lookup unless a test sets another.
    var installedLookup: FFmpeg.Lookup?

    public init(
        speed: TranscodeSpeed = .balanced, audioAs: AudioTarget? = nil, timeLimit: Duration? = nil,
        ffmpeg: FFmpegChoice = .installed
    ) {
        self.speed = speed
        self.audioAs = audioAs
        self.timeLimit = timeLimit
        self.ffmpeg = ffmpeg
    }

    /// The lookup of ``FFmpegChoice/installed``, when that is the choice.
    var lookup: FFmpeg.Lookup? {
        guard case .installed = ffmpeg else { return nil }
        return installedLookup ?? FFmpeg.installedLookup
    }

    /// The ffmpeg chosen, with its encoders: for ``FFmpegChoice/installed``, once its lookup has
    /// listed them (awaited, never blocking a thread).
    public func capabilities() async -> FFmpegCapabilities {
        switch ffmpeg {
        case .installed: FFmpegCapabilities(await lookup?.ffmpeg())
        case .none: .none
        case .at(let ffmpeg): FFmpegCapabilities(ffmpeg)
        }
    }

    func wallClock(forSeconds duration: Double?) -> Duration {
        timeLimit ?? .seconds(120 + Int(((duration ?? 60) * 20).rounded(.up)))
    }
}
