/// Whether an audio or video file needs a transcode, and what it is: decided from its report, the
/// profile, the options and the ffmpeg at hand, so `check` can say it and `prepare` does exactly that.
struct TranscodePlanner: Sendable {
    var profile: MediaProfile
    var options: PreparationPlanner.Options
    var ffmpeg: FFmpegCapabilities

    enum Decision: Sendable, Hashable {
        case notNeeded
        case planned(TranscodePlan)
        /// A transcode would be needed but cannot be done: the finding says why.
        case refused(Finding)
    }

    /// Findings a transcode fixes when they are rejections: H.264 High profile and B-frames (a
    /// re-encode in Main without them) and stereo Opus in OGG (a downmix) are rejections only when
    /// the profile applies Meta's rules for them.
    static let fixedCodes: Set<Finding.Code> = [
        .videoCodec, .audioCodec, .h264Profile, .bFrames, .container, .tooLarge, .tooManyAudioStreams,
        .mimeMismatch, .voiceNoteChannels,
    ]

    func decide(_ report: ValidationReport) -> Decision {
        let (inspection, mediaType) = (report.inspection, report.mediaType)
        guard mediaType == .video || mediaType == .audio else { return .notNeeded }
        let rejections = report.rejections
        guard rejections.contains(where: { Self.fixedCodes.contains($0.code) }),
            rejections.allSatisfy({ Self.fixedCodes.contains($0.code) })
        else { return .notNeeded }

        let decision: Decision
        if let av = inspection.av, av.problems.isEmpty, let demuxer = av.container.ffmpegDemuxer {
            decision =
                mediaType == .video
                ? Self.videoPlan(av, demuxer: demuxer, inputSize: inspection.size, profile: profile, options: options)
                : Self.audioPlan(av, demuxer: demuxer, profile: profile, options: options)
        } else if mediaType == .video, inspection.mime == .gif || inspection.mime == .webp,
            let image = inspection.image, image.pages > 1
        {
            decision = Self.animationPlan(image, mime: inspection.mime, profile: profile)
        } else {
            return .notNeeded
        }
        guard case .planned(var plan) = decision else { return decision }
        if let shortfall = ffmpeg.shortfall(for: plan.encoders) {
            return .refused(Self.cannotTranscode(plan, shortfall))
        }
        if !options.keepMetadata { plan.steps.append("drop the location and device metadata") }
        return .planned(plan)
    }

    private static func cannotTranscode(_ plan: TranscodePlan, _ shortfall: FFmpegCapabilities.Shortfall) -> Finding {
        let message =
            switch shortfall {
            case .noFFmpeg: "it must be transcoded (\(plan.steps.first ?? "")), and ffmpeg is not installed"
            case .missingEncoders(let missing):
                "it must be transcoded, and this ffmpeg has no \(missing.joined(separator: ", ")) encoder"
            }
        return Finding(.ffmpegMissing, .rejected, message: message, hint: FFmpeg.installHint)
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
        _ av: AVInfo, demuxer: String, inputSize: Int, profile: MediaProfile, options: PreparationPlanner.Options
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
            let fitted = fitVideo(
                video, duration: duration, budget: budget, audioBitrate: audio?.bitrate ?? 0, into: &encoding)
            switch fitted {
            case .refused(let finding): return .refused(finding)
            case .fitted(let fittedSteps, let fittedBytes):
                steps += fittedSteps
                expected = fittedBytes
            }
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

    /// A re-encoded video's size and rate: the steps that say so and the size expected, or why it
    /// cannot fit.
    private enum VideoFit {
        case fitted(steps: [String], expectedBytes: Int?)
        case refused(Finding)
    }

    /// Picks the rung of the ladder and the rate that fit `budget`, into `encoding`: one pass at a
    /// quality when the budget does not bind, two passes at the rate that fits when it does.
    private static func fitVideo(
        _ video: AVTrack, duration: Double?, budget: Int, audioBitrate: Int,
        into encoding: inout TranscodePlan.VideoEncoding
    ) -> VideoFit {
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
        defer {
            encoding.width = chosen?.0
            encoding.height = chosen?.1
        }
        let from = "transcode \(video.codecDescription)" + (sourceShort > 0 ? " \(sourceShort)p" : "")
        guard let duration, duration > 0, let top = rungs.first else {
            return .fitted(steps: ["\(from) to H.264 at CRF \(TranscodePlan.crf)"], expectedBytes: nil)
        }
        let target = Int(Double(budget) * TranscodePlan.budgetShare)
        let overhead = 16_384 + Int(duration * (fps * 12 + 400))
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
            return .fitted(
                steps: [
                    "\(from) to H.264 \(min(width, height))p at CRF \(TranscodePlan.crf), at most \(Rate(available))"
                ],
                expectedBytes: (min(natural, available) + audioBitrate) * Int(duration.rounded(.up)) / 8 + overhead)
        }
        let lowest = rungs.last!
        guard bitsPerPixel(lowest) >= minimumBitsPerPixel else {
            let (width, height) = size(lowest)
            let perSecond =
                minimumBitsPerPixel * Double(width * height) * fps + Double(audioBitrate) + (fps * 12 + 400) * 8
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
        return .fitted(
            steps: ["\(from) to H.264 \(rung)p at \(Rate(available)) in two passes to fit \(ByteCount(budget))"],
            expectedBytes: target)
    }

    /// An animated GIF or WebP as silent H.264 at its own frame rate (at most 30 per second),
    /// refused when it plays longer than the profile's ``VideoRules/maxAnimationSeconds``.
    static func animationPlan(_ image: ImageInfo, mime: MIMEType, profile: MediaProfile) -> Decision {
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
                input: mime == .gif ? .file(demuxer: "gif") : .decodedFrames(mime: mime), audioTrack: 0,
                durationSeconds: image.durationSeconds, work: .video(encoding), budget: profile.video.maxBytes,
                steps: [
                    "convert the \(count) to H.264 video at CRF \(TranscodePlan.crf), without audio", timing,
                    "write MP4 with the index first",
                ], expectedBytes: nil, encoders: [EncoderName.h264]))
    }

    // MARK: - Audio

    /// The lowest AAC bitrate worth sending; below it the audio is refused as too long.
    static let minimumAACBitrate = 24_000

    static func audioPlan(
        _ av: AVInfo, demuxer: String, profile: MediaProfile, options: PreparationPlanner.Options
    ) -> Decision {
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
        var warnings: [Finding] = []
        let channels = track.channels ?? 0
        if voice && track.codec == "opus" && (channels == 1 || !profile.audio.oggMonoOnly) {
            work = .opusRemux
            steps = ["move the Opus audio into OGG, not re-encoded"]
        } else if voice {
            let note = voiceNote(duration: duration, limit: profile.audio.voiceNoteMaxBytes)
            work = .voiceNote(bitrate: note.bitrate, sizeLimit: profile.audio.voiceNoteMaxBytes)
            let what =
                track.codec == "opus" && channels != 1
                ? "downmix the \(channels > 1 ? "\(channels)-channel " : "")Opus to a mono Opus voice note"
                : "encode \(track.codecDescription) as a mono Opus voice note"
            steps = [
                "\(what) at \(Rate(note.bitrate)), \(TranscodePlan.voiceNoteSampleRate / 1_000) kHz, in OGG"
            ]
            expected = note.expectedBytes
            if let finding = note.overLimit { warnings.append(finding) }
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
                steps: steps, expectedBytes: expected, encoders: encoders, warnings: warnings))
    }

    /// A voice note's bitrate: the highest rung of ``TranscodePlan/voiceNoteLadder`` whose expected
    /// size fits `limit` (the size that shows a play button), else the lowest with a warning naming
    /// the limit. Without a duration, the top rung: the transcoder then steps down by measurement.
    static func voiceNote(duration: Double?, limit: Int) -> (
        bitrate: Int, expectedBytes: Int?, overLimit: Finding?
    ) {
        let ladder = TranscodePlan.voiceNoteLadder
        guard let duration, duration > 0 else { return (ladder[0], nil, nil) }
        let expected = { (bitrate: Int) in TranscodePlan.expectedVoiceNoteBytes(bitrate: bitrate, seconds: duration) }
        if let rung = ladder.first(where: { expected($0) <= limit }) { return (rung, expected(rung), nil) }
        let lowest = ladder[ladder.count - 1]
        let longest = TranscodePlan.longestVoiceNote(bitrate: lowest, limit: limit)
        let finding = Finding(
            .voiceNoteSize, .warning,
            message: "\(Seconds(duration)) of voice note is about \(ByteCount(expected(lowest))) even at "
                + "\(Rate(lowest)), the lowest bitrate on the ladder: over the \(limit) bytes up to which WhatsApp "
                + "shows a play button",
            hint: "split it into parts of at most \(Seconds(longest.rounded(.down))), or send it as audio "
                + "(--audio-as audio)")
        return (lowest, expected(lowest), finding)
    }
}

extension TranscodePlanner.Decision {
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
            // A voice note is encoded to fit: the input's size says nothing of it, the plan's warning does.
            let reencodedNote = if case .voiceNote = plan.work { true } else { false }
            let kept = findings.filter { !(reencodedNote && $0.code == .voiceNoteSize) }
            return kept.map { finding in
                let fixes =
                    (finding.severity == .rejected && TranscodePlanner.fixedCodes.contains(finding.code))
                    || (finding.code == .bFrames && !plan.bFramesAllowed)
                guard fixes else { return finding }
                return Finding(
                    finding.code, .fixable, message: finding.message,
                    hint: "prepare and send transcode it: \(plan.steps.first ?? "")")
            } + plan.warnings
        case .refused(let finding) where finding.code == .tooLarge:
            return findings.filter { $0.code != .tooLarge } + [finding]
        case .refused(let finding):
            return findings + [finding]
        }
    }
}
