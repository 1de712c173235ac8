import Foundation

/// How much time the video encoder spends for a smaller, better file: x264's presets.
public enum TranscodeSpeed: String, Sendable, Hashable, CaseIterable, Codable {
    case fast, balanced, best

    var x264Preset: String {
        switch self {
        case .fast: "veryfast"
        case .balanced: "medium"
        case .best: "slow"
        }
    }
}

/// What audio that must be transcoded becomes.
public enum AudioTarget: String, Sendable, Hashable, CaseIterable, Codable {
    /// A voice note when the recording is mono or already Opus; AAC in M4A otherwise.
    case auto
    /// Opus in OGG, mono: a voice note, which WhatsApp shows with a play button.
    case voice
    /// AAC-LC in M4A, the channels kept (at most two).
    case audio
}

/// Which ffmpeg transcodes.
public enum FFmpegChoice: Sendable, Hashable {
    /// ``FFmpeg/installed``: `$WAMEDIA_FFMPEG` or `ffmpeg` on `PATH`, found on first use.
    case installed
    /// None: files that need a transcode are rejected, as without ffmpeg.
    case none
    case at(FFmpeg)
}

/// How audio and video that WhatsApp would refuse are transcoded.
public struct TranscodeOptions: Sendable, Hashable {
    public var speed: TranscodeSpeed
    /// nil: the profile's ``AudioRules/transcodeTo``.
    public var audioAs: AudioTarget?
    /// The wall-clock limit of one ffmpeg run; nil: derived from the duration (two minutes plus
    /// twenty times the duration).
    public var timeLimit: Duration?
    public var ffmpeg: FFmpegChoice
    /// The audio track to keep (from 0); the preparer sets it from its container options.
    var audioTrack: Int?
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

    /// The ffmpeg chosen; waits for the encoder list of ``FFmpegChoice/installed`` if it is not known yet.
    var resolvedFFmpeg: FFmpeg? {
        switch ffmpeg {
        case .installed: lookup?.waitedFor
        case .none: nil
        case .at(let ffmpeg): ffmpeg
        }
    }

    func wallClock(forSeconds duration: Double?) -> Duration {
        timeLimit ?? .seconds(120 + Int(((duration ?? 60) * 20).rounded(.up)))
    }
}

/// What a transcode will do to one file, decided from its inspection and the profile alone, so
/// `check` can say it and `prepare` does exactly that.
struct TranscodePlan: Sendable, Hashable {
    enum Work: Sendable, Hashable {
        case video(VideoEncoding)
        /// Opus in OGG, mono.
        case voiceNote(bitrate: Int)
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
        case decodedFrames(mime: String)
    }

    var input: Input
    var audioTrack: Int
    var durationSeconds: Double?
    var work: Work
    /// The profile's byte limit for the media type.
    var budget: Int
    var steps: [String]
    var expectedBytes: Int?
    var encoders: Set<String>

    var outputExtension: String {
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
}

/// The ffmpeg encoders a transcode uses, by the names `ffmpeg -encoders` lists.
enum EncoderName {
    static let h264 = "libx264"
    static let aac = "aac"
    static let opus = "libopus"
    /// Every encoder a ``TranscodePlan`` can need.
    static let all: Set<String> = [h264, aac, opus]
}

/// Whether a file needs a transcode, and what it is.
enum Transcoding {
    enum Decision: Sendable, Hashable {
        case notNeeded
        case planned(TranscodePlan)
        /// A transcode would be needed but cannot be done: the finding says why.
        case refused(Finding)
    }

    /// Findings a transcode fixes when they are rejections.
    static let fixedCodes: Set<Finding.Code> = [
        .videoCodec, .audioCodec, .h264Profile, .container, .tooLarge, .tooManyAudioStreams, .mimeMismatch,
    ]

    static func decide(
        _ inspection: Inspection, as mediaType: MediaType, findings: [Finding], profile: MediaProfile,
        options: TranscodeOptions, keepMetadata: Bool
    ) -> Decision {
        guard mediaType == .video || mediaType == .audio else { return .notNeeded }
        let rejections = findings.filter { $0.severity == .rejected }
        let bFramesToFix =
            mediaType == .video && profile.video.fixesBFrames && findings.contains { $0.code == .bFrames }
        guard rejections.contains(where: { fixedCodes.contains($0.code) }) || bFramesToFix,
            rejections.allSatisfy({ fixedCodes.contains($0.code) })
        else { return .notNeeded }

        let decision: Decision
        if let av = inspection.av, av.problems.isEmpty, let demuxer = av.container.ffmpegDemuxer {
            decision =
                mediaType == .video
                ? videoPlan(av, demuxer: demuxer, inputSize: inspection.size, profile: profile, options: options)
                : audioPlan(av, demuxer: demuxer, profile: profile, options: options)
        } else if mediaType == .video, inspection.mime == "image/gif" || inspection.mime == "image/webp",
            let image = inspection.image, image.pages > 1
        {
            decision = animationPlan(image, mime: inspection.mime, profile: profile)
        } else {
            return .notNeeded
        }
        guard case .planned(let plan) = decision else { return decision }

        let ffmpeg = options.resolvedFFmpeg
        guard let ffmpeg, plan.encoders.isSubset(of: ffmpeg.encoders) else {
            let missing = ffmpeg.map { plan.encoders.subtracting($0.encoders).sorted() } ?? []
            return .refused(
                Finding(
                    .ffmpegMissing, .rejected,
                    message: missing.isEmpty
                        ? "it must be transcoded (\(plan.steps.first ?? "")), and ffmpeg is not installed"
                        : "it must be transcoded, and this ffmpeg has no \(missing.joined(separator: ", ")) encoder",
                    hint: FFmpeg.installHint))
        }
        var steps = plan.steps
        if !keepMetadata { steps.append("drop the location and device metadata") }
        var withMetadata = plan
        withMetadata.steps = steps
        return .planned(withMetadata)
    }

    // MARK: - Video

    /// The short edges of the resolution ladder, largest first.
    static let ladder = [1080, 720, 540, 480, 360]
    /// Bits per pixel at which H.264 looks good: more buys little, so the budget does not bind.
    static let generousBitsPerPixel = 0.12
    /// The rung chosen is the largest that gets at least this much. Measured with SSIM against the
    /// source (Benchmarks/README.md), the source's resolution in two passes scored higher than every
    /// lower rung at the same size down to 0.03 bits per pixel, on noise, patterns and cellular motion.
    static let comfortableBitsPerPixel = 0.025
    /// Below this even the lowest rung looks broken: the video is refused as too long.
    static let minimumBitsPerPixel = 0.02

    static func videoPlan(
        _ av: AVInfo, demuxer: String, inputSize: Int, profile: MediaProfile, options: TranscodeOptions
    ) -> Decision {
        guard let video = av.videoTracks.first else { return .notNeeded }
        let rules = profile.video
        let budget = rules.maxBytes
        let duration = av.durationSeconds ?? video.durationSeconds
        let audioIndex = min(options.audioTrack ?? 0, max(0, av.audioTracks.count - 1))
        let audioTrack = rules.maxAudioStreams > 0 && !av.audioTracks.isEmpty ? av.audioTracks[audioIndex] : nil

        let rejectedProfiles = Set(rules.h264RejectProfiles.map { $0.lowercased() })
        let bFrames = !rules.fixesBFrames
        let copyVideo =
            video.codec == "h264" && !video.isHDR && !rejectedProfiles.contains(video.h264Profile ?? "")
            && (bFrames || video.hasBFrames != true) && inputSize <= budget
        let audio = audioTrack.map { track -> TranscodePlan.AudioEncoding in
            let channels = min(track.channels ?? 2, 2)
            let isLC = track.codec == "aac" && (track.audioObjectType ?? 2) == 2 && (track.channels ?? 2) <= 2
            return .init(copy: isLC, bitrate: channels >= 2 ? 128_000 : 64_000, channels: channels)
        }

        var encoding = TranscodePlan.VideoEncoding(
            width: video.width, height: video.height, copyVideo: copyVideo, videoBitrate: nil, twoPass: false,
            audio: audio, bFrames: bFrames, isAnimation: false, toneMap: video.isHDR)
        var steps: [String] = []
        var expected: Int?
        if copyVideo {
            steps.append("copy the H.264 video")
            expected = inputSize
        } else {
            let fps = min(video.frameRate ?? 30, 60)
            let source = (video.width ?? 0, video.height ?? 0)
            let sourceShort = min(source.0, source.1)
            let rungs =
                sourceShort > 0
                ? [min(sourceShort, ladder[0])] + ladder.filter { $0 < min(sourceShort, ladder[0]) } : []
            func size(_ short: Int) -> (Int, Int) {
                guard sourceShort > 0 else { return source }
                let scale = Double(short) / Double(sourceShort)
                let even = { (value: Int) in max(2, Int((Double(value) * scale / 2).rounded()) * 2) }
                return (even(source.0), even(source.1))
            }
            var chosen = rungs.first.map(size)
            let from = "transcode \(video.codecDescription)" + (sourceShort > 0 ? " \(sourceShort)p" : "")
            if let duration, duration > 0, let top = rungs.first {
                let target = Int(Double(budget) * TranscodePlan.budgetShare)
                let overhead = 16_384 + Int(duration * (fps * 12 + 400))
                let audioBitrate = audio?.bitrate ?? 0
                let available = Int(Double(target - overhead) * 8 / duration) - audioBitrate
                func bitsPerPixel(_ short: Int) -> Double {
                    let (width, height) = size(short)
                    return Double(available) / (Double(width * height) * fps)
                }
                if bitsPerPixel(top) >= generousBitsPerPixel {
                    // The budget does not bind: one pass at a quality, the budget as a cap.
                    let (width, height) = size(top)
                    let natural = Int(generousBitsPerPixel * 0.6 * Double(width * height) * fps)
                    encoding.videoBitrate = available
                    expected = (min(natural, available) + audioBitrate) * Int(duration.rounded(.up)) / 8 + overhead
                    steps.append("\(from) to H.264 \(min(width, height))p at CRF \(crf), at most \(Rate(available))")
                } else {
                    let lowest = rungs.last!
                    guard bitsPerPixel(lowest) >= minimumBitsPerPixel else {
                        let (width, height) = size(lowest)
                        let perSecond =
                            minimumBitsPerPixel * Double(width * height) * fps + Double(audioBitrate)
                            + (fps * 12 + 400) * 8
                        let longest = Double(target - 16_384) * 8 / perSecond
                        return .refused(
                            Finding(
                                .tooLarge, .rejected,
                                message: "\(Seconds(duration)) of video cannot fit \(ByteCount(budget)) even at "
                                    + "\(lowest)p: the longest that fits is about \(Seconds(longest.rounded(.down)))",
                                hint: "cut it to at most \(Seconds(longest.rounded(.down))) or send a link to it"))
                    }
                    let rung = rungs.first { bitsPerPixel($0) >= comfortableBitsPerPixel } ?? lowest
                    chosen = size(rung)
                    encoding.videoBitrate = available
                    encoding.twoPass = true
                    expected = target
                    steps.append(
                        "\(from) to H.264 \(rung)p at \(Rate(available)) in two passes to fit \(ByteCount(budget))")
                }
            } else {
                steps.append("\(from) to H.264 at CRF \(crf)")
            }
            encoding.width = chosen?.0
            encoding.height = chosen?.1
            if video.isHDR {
                steps.append("tone-map the HDR (\(video.colourTransfer == 16 ? "PQ" : "HLG")) to SDR BT.709")
            }
            steps.append("Main profile, 8-bit 4:2:0" + (bFrames ? "" : ", no B-frames"))
        }
        if let audio {
            steps.append(
                audio.copy
                    ? "copy the AAC audio"
                    : "encode the audio as AAC-LC \(audio.channels == 1 ? "mono" : "stereo") at \(Rate(audio.bitrate))")
        }
        if let rotation = video.rotation, rotation != 0 { steps.append("keep the \(rotation)° rotation") }
        steps.append("write MP4 with the index first")
        if let expected { steps.append("expected size about \(ByteCount(expected))") }
        var encoders: Set<String> = copyVideo ? [] : [EncoderName.h264]
        if audio?.copy == false { encoders.insert(EncoderName.aac) }
        return .planned(
            TranscodePlan(
                input: .file(demuxer: demuxer), audioTrack: audioIndex, durationSeconds: duration,
                work: .video(encoding),
                budget: budget, steps: steps, expectedBytes: expected, encoders: encoders))
    }

    static let crf = 23
    /// x264's quantizer curve (`qcomp`) for two passes to a budget: 1 keeps the quantizer constant,
    /// 0 the bitrate. Below x264's 0.6, complex frames get a fairer share of a tight budget: against
    /// the source, 0.4 scored a higher SSIM than 0.6 on patterns, fractals, cellular motion and light
    /// noise, the same on a camera-like pan and a little lower on heavy noise (Benchmarks/README.md).
    static let budgetQuantizerCurve = 0.4

    /// An animated GIF or WebP as silent H.264 at its own frame rate (at most 30 per second),
    /// refused when it plays longer than the profile's ``VideoRules/maxAnimationSeconds``.
    static func animationPlan(_ image: ImageInfo, mime: String, profile: MediaProfile) -> Decision {
        let limit = profile.video.maxAnimationSeconds
        if let duration = image.durationSeconds, duration > Double(limit) {
            return .refused(
                Finding(
                    .animationTooLong, .rejected,
                    message: "the animation plays for \(image.pageCountIsLowerBound ? "at least " : "")"
                        + "\(Seconds(duration)) (\(image.framesDescription)), over the profile's limit of \(limit) s "
                        + "for an animation sent as video",
                    hint: "shorten it, send its first frame with --type image, or raise video.max_animation_seconds "
                        + "in a custom profile (at most \(VideoRules.maxAnimationSecondsLimit))"))
        }
        let even = { (value: Int) in max(2, value / 2 * 2) }
        let rate = AnimationTiming.frameRate(commonDelay: image.commonDelayMilliseconds)
        let encoding = TranscodePlan.VideoEncoding(
            width: even(image.width), height: even(image.height), copyVideo: false, videoBitrate: nil, twoPass: false,
            audio: nil, bFrames: !profile.video.fixesBFrames, isAnimation: true, frameRate: rate)
        let count =
            image.pageCountIsLowerBound ? "animation of \(image.framesDescription)" : "\(image.pages)-frame animation"
        let timing = image.durationSeconds.map { "play \(Seconds($0)) at \(rate.inWords)" } ?? "play at \(rate.inWords)"
        return .planned(
            TranscodePlan(
                // ffmpeg decodes GIF itself; Debian's ffmpeg 5.1 cannot decode animated WebP, libvips can.
                input: mime == "image/gif" ? .file(demuxer: "gif") : .decodedFrames(mime: mime), audioTrack: 0,
                durationSeconds: image.durationSeconds, work: .video(encoding), budget: profile.video.maxBytes,
                steps: [
                    "convert the \(count) to H.264 video at CRF \(crf), without audio", timing,
                    "write MP4 with the index first",
                ], expectedBytes: nil, encoders: [EncoderName.h264]))
    }

    // MARK: - Audio

    /// The lowest AAC bitrate worth sending; below it the audio is refused as too long.
    static let minimumAACBitrate = 24_000

    static func audioPlan(_ av: AVInfo, demuxer: String, profile: MediaProfile, options: TranscodeOptions)
        -> Decision
    {
        guard !av.audioTracks.isEmpty else { return .notNeeded }
        let index = min(options.audioTrack ?? 0, av.audioTracks.count - 1)
        let track = av.audioTracks[index]
        let duration = av.durationSeconds ?? track.durationSeconds
        let budget = profile.audio.maxBytes
        let target = Int(Double(budget) * TranscodePlan.budgetShare)
        let voice: Bool
        switch options.audioAs ?? profile.audio.transcodeTo {
        case .voice: voice = true
        case .audio: voice = false
        case .auto: voice = track.codec == "opus" || track.channels == 1
        }
        let work: TranscodePlan.Work
        var steps: [String]
        var expected: Int?
        if voice && track.codec == "opus" {
            work = .opusRemux
            steps = ["move the Opus audio into OGG, not re-encoded"]
        } else if voice {
            // A note up to about five minutes stays under the size that shows a play button.
            let fitting = duration.map { Double(profile.audio.voiceNoteMaxBytes) * 0.95 * 8 / $0 } ?? 24_000
            let bitrate = Int(min(32_000, max(8_000, fitting)) / 1_000) * 1_000
            work = .voiceNote(bitrate: bitrate)
            steps = ["encode \(track.codecDescription) as a mono Opus voice note at \(Rate(bitrate)), in OGG"]
            expected = duration.map { Int($0 * Double(bitrate) / 8 * 1.02) + 4_096 }
        } else {
            let channels = min(track.channels ?? 2, 2)
            var bitrate = channels == 2 ? 128_000 : 64_000
            if let duration, duration > 0, Double(bitrate) * duration / 8 > Double(target) {
                bitrate = Int(Double(target) * 8 / duration / 1_000) * 1_000
                guard bitrate >= minimumAACBitrate else {
                    let longest = Double(target) * 8 / Double(minimumAACBitrate)
                    return .refused(
                        Finding(
                            .tooLarge, .rejected,
                            message: "\(Seconds(duration)) of audio cannot fit \(ByteCount(budget)) at a bitrate "
                                + "worth sending: the longest that fits is about \(Seconds(longest.rounded(.down)))",
                            hint: "split it into parts of at most \(Seconds(longest.rounded(.down)))"))
                }
            }
            work = .aac(bitrate: bitrate, channels: channels)
            steps = [
                "encode \(track.codecDescription) as AAC-LC \(channels == 1 ? "mono" : "stereo") at \(Rate(bitrate)), "
                    + "in M4A with the index first"
            ]
            expected = duration.map { Int($0 * Double(bitrate) / 8 * 1.02) + 8_192 }
        }
        if let expected { steps.append("expected size about \(ByteCount(expected))") }
        let encoders: Set<String> =
            switch work {
            case .voiceNote: [EncoderName.opus]
            case .aac: [EncoderName.aac]
            default: []
            }
        return .planned(
            TranscodePlan(
                input: .file(demuxer: demuxer), audioTrack: index, durationSeconds: duration, work: work,
                budget: budget,
                steps: steps, expectedBytes: expected, encoders: encoders))
    }
}

extension Transcoding.Decision {
    var plan: TranscodePlan? {
        if case .planned(let plan) = self { return plan }
        return nil
    }

    /// `findings` as they stand with this decision: what the transcode fixes becomes fixable; a
    /// transcode that cannot be done adds why (a `too-large` finding says the longest that fits).
    func applied(to findings: [Finding]) -> [Finding] {
        switch self {
        case .notNeeded:
            return findings
        case .planned(let plan):
            return findings.map { finding in
                let fixes =
                    (finding.severity == .rejected && Transcoding.fixedCodes.contains(finding.code))
                    || (finding.code == .bFrames && !plan.bFramesAllowed)
                guard fixes else { return finding }
                return Finding(
                    finding.code, .fixable, message: finding.message,
                    hint: "prepare and send transcode it: \(plan.steps.first ?? "")")
            }
        case .refused(let finding) where finding.code == .tooLarge:
            return findings.filter { $0.code != .tooLarge } + [finding]
        case .refused(let finding):
            return findings + [finding]
        }
    }
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
