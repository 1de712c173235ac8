import Foundation

/// What a transcode will do to one file, decided by the ``PreparationPlanner`` from its inspection,
/// the profile and the options, so `check` can say it and `prepare` does exactly that.
public struct TranscodePlan: Sendable, Hashable, CustomStringConvertible {
    enum Work: Sendable, Hashable {
        case video(VideoEncoding)
        /// Opus in OGG, mono, at ``TranscodePlan/voiceNoteSampleRate``; a result over `sizeLimit` (the
        /// size that shows a play button) is encoded again lower on ``TranscodePlan/voiceNoteLadder``.
        case voiceNote(bitrate: Int, sizeLimit: Int)
        /// AAC-LC in M4A.
        case aac(bitrate: Int, channels: Int)
        /// Opus packets moved into OGG, not re-encoded.
        case opusRemux
    }

    struct VideoEncoding: Sendable, Hashable {
        /// The stored size of the output (before display rotation).
        var width: Int?
        var height: Int?
        /// The H.264 video is copied; only the audio or the container change.
        var copyVideo: Bool
        /// The most the video may use, in bits per second (an average in two passes, a cap in one).
        var videoBitrate: Int?
        /// The size budget binds: two passes at ``videoBitrate``, measured and corrected.
        var twoPass: Bool
        var audio: AudioEncoding?
        var bFrames: Bool
        /// An animated GIF or WebP: no audio, no rotation.
        var isAnimation: Bool
        /// HDR (PQ or HLG) tone-mapped to SDR BT.709.
        var toneMap: Bool = false
        /// An animation's constant output rate (its own, at most 30 frames per second); nil keeps
        /// the input's.
        var frameRate: AnimationTiming.FrameRate?
    }

    struct AudioEncoding: Sendable, Hashable {
        var copy: Bool
        var bitrate: Int
        var channels: Int
    }

    /// What ffmpeg reads.
    enum Input: Sendable, Hashable {
        /// The file, through ffmpeg's demuxer for it, named from wamedia's own probe: a playlist
        /// renamed `.mp4` is not opened as a playlist.
        case file(demuxer: String)
        /// The frames of an animation of this MIME type, decoded by libvips (``AnimationFrames``).
        case decodedFrames(mime: MIMEType)
    }

    var input: Input
    var audioTrack: Int
    /// How long the input plays, when known: the output must play as long.
    public internal(set) var durationSeconds: Double?
    var work: Work
    /// The profile's byte limit for the media type.
    public internal(set) var budget: Int
    /// What the transcode does, in words people read.
    public internal(set) var steps: [String]
    /// The size the output is expected to have, when it can be told beforehand.
    public internal(set) var expectedBytes: Int?
    /// The ffmpeg encoders it needs (none when it only copies streams).
    var encoders: Set<String>
    /// What the transcode will leave short of the rules, said beforehand (a voice note too long to
    /// fit the play-button size even at the lowest bitrate).
    var warnings: [Finding] = []

    public var description: String { steps.joined(separator: "; ") }

    /// The extension of the file it writes: `mp4`, `m4a` or `ogg`.
    public var outputExtension: String {
        switch work {
        case .video: "mp4"
        case .voiceNote, .opusRemux: "ogg"
        case .aac: "m4a"
        }
    }

    /// The wall-clock fence of each ffmpeg run, from the input's real duration (an animation's
    /// summed frame delays): ``TranscodeOptions/wallClock(forSeconds:)``.
    func wallClock(_ options: TranscodeOptions) -> Duration { options.wallClock(forSeconds: durationSeconds) }

    /// The part of the budget aimed at: landing at 92–100% of the limit, never over it. x264's two
    /// passes land a little under the rate asked (95–99% of the limit from this aim on the benchmark's
    /// clips), and every byte left unused is quality lost; a result over the limit is encoded again.
    static let budgetShare = 0.985

    /// The voice-note bitrates, highest first: the highest whose output fits the play-button size is
    /// used. Measured at 16 kHz on a speech-like signal (docs/audio-video.md), 32 kbit/s bought
    /// little over 24 (SDR 8.9 against 8.5 dB, 23% more bytes), and under 8 libopus drops to
    /// narrowband.
    static let voiceNoteLadder = [24_000, 20_000, 16_000, 12_000, 10_000, 8_000]
    /// The voice-note input rate libopus is given: wideband, what phones record voice notes at. At
    /// the same size it scored higher than 48 kHz on speech (docs/audio-video.md), and players
    /// reported to fail on 48 kHz notes play 16 kHz ones.
    static let voiceNoteSampleRate = 16_000

    /// A voice note's expected size: its bitrate (libopus' VBR stays under it on speech) plus the OGG
    /// pages (about 2%) and headers.
    static func expectedVoiceNoteBytes(bitrate: Int, seconds: Double) -> Int {
        Int(seconds * Double(bitrate) / 8 * 1.02) + 4_096
    }

    /// The longest voice note expected to fit `limit` at `bitrate`, in seconds.
    static func longestVoiceNote(bitrate: Int, limit: Int) -> Double {
        max(0, Double(limit - 4_096) * 8 / 1.02 / Double(bitrate))
    }

    /// x264's constant rate factor for a transcode the budget does not bind.
    static let crf = 23
    /// x264's quantizer curve (`qcomp`) for two passes to a budget: 1 keeps the quantizer constant,
    /// 0 the bitrate. Below x264's 0.6, complex frames get a fairer share of a tight budget: against
    /// the source, 0.4 scored a higher SSIM than 0.6 on patterns, fractals, cellular motion and light
    /// noise, the same on a camera-like pan and a little lower on heavy noise (Benchmarks/README.md).
    static let budgetQuantizerCurve = 0.4
}

/// The ffmpeg encoders a transcode uses, by the names `ffmpeg -encoders` lists.
enum EncoderName {
    static let h264 = "libx264"
    static let aac = "aac"
    static let opus = "libopus"
    /// Every encoder a ``TranscodePlan`` can need.
    static let all: Set<String> = [h264, aac, opus]
}

extension TranscodePlan {
    var bFramesAllowed: Bool {
        if case .video(let encoding) = work { return encoding.bFrames || encoding.copyVideo }
        return true
    }
}

extension AVInfo.Container {
    /// ffmpeg's name for the demuxer that reads this container.
    var ffmpegDemuxer: String? {
        switch self {
        case .mp4, .threeGP, .quicktime, .m4a: "mov"
        case .ogg: "ogg"
        case .mp3: "mp3"
        case .adts: "aac"
        case .amr: "amr"
        case .webm, .matroska: "matroska"
        case .wav: "wav"
        case .flac: "flac"
        case .avi: "avi"
        case .aiff: "aiff"
        }
    }
}

/// A bitrate in words: 1.9 Mbit/s, 128 kbit/s.
struct Rate: CustomStringConvertible {
    var bitsPerSecond: Int
    init(_ bitsPerSecond: Int) { self.bitsPerSecond = bitsPerSecond }

    var description: String {
        if bitsPerSecond >= 1_000_000 {
            let tenths = (bitsPerSecond + 50_000) / 100_000
            return "\(tenths / 10).\(tenths % 10) Mbit/s"
        }
        return "\((bitsPerSecond + 500) / 1_000) kbit/s"
    }
}

/// A duration in words: 45 s, 3 min 20 s.
struct Seconds: CustomStringConvertible {
    var value: Double
    init(_ value: Double) { self.value = value }

    var description: String {
        let whole = Int(value.rounded())
        if whole < 60 { return value < 10 ? String(format: "%.1f s", value) : "\(whole) s" }
        return whole % 60 == 0 ? "\(whole / 60) min" : "\(whole / 60) min \(whole % 60) s"
    }
}
