import Foundation
import Synchronization
import TestSupport
import Testing

@testable import WabaMedia

/// Inputs WhatsApp refuses, made with ffmpeg in the test, prepared through ``MediaPreparer`` and
/// checked twice: by wamedia's own probe and rules, and independently by ffprobe.
/// Serialized: each test runs ffmpeg on both cores, and the time limits tested need them.
@Suite(.serialized, .enabled(if: AVTestSupport.ffmpegTestsRun, "needs ffmpeg and ffprobe on PATH"))
struct TranscodeTests {
    static let video = ["-f", "lavfi", "-i", "testsrc=size=160x96:rate=15"]
    static let stereo = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-ac", "2"]
    static let mono = ["-f", "lavfi", "-i", "sine=frequency=300:sample_rate=16000"]

    /// What a prepared file turned out to be.
    struct Outcome {
        var path: String
        var action: PreparedMedia.Action
        var steps: [String]
        var report: ValidationReport
        var size: Int
    }

    /// Checks `input` as `type` (it must be fixable), prepares it and keeps the output.
    static func prepare(
        _ input: String, as type: MediaType, profile: MediaProfile = .whatsappCloud,
        options: MediaPreparer.Options = .init()
    ) async throws -> Outcome {
        var options = options
        options.transcode.timeLimit = options.transcode.timeLimit ?? Self.patientLimit
        let preparer = try MediaPreparer(profile: profile, options: options, executor: .tests)
        let check = try await preparer.check(FileSource(path: input), as: type, caption: nil, fileName: nil)
        #expect(check.verdict == .fixable, "\(input): \(check.findings)")
        #expect(check.plannedSteps.first?.isEmpty == false)
        let kept = input + ".prepared"
        return try await preparer.withPreparedMedia(at: input, as: type) { (media: PreparedMedia) async throws in
            let output = kept + "." + media.fileExtension
            try media.write(to: output)
            return Outcome(
                path: output, action: media.action, steps: media.steps, report: media.finalReport, size: media.size)
        }
    }

    /// The wall-clock limit of these tests' transcodes. In this process other suites hold Swift's
    /// cooperative threads (two on two cores) while they wait for child processes, sometimes for
    /// minutes, and swift-subprocess needs one of them now and then: a tiny clip can then take as
    /// long as the longest of those waits. The limit itself is tested with its own, short, value.
    static let patientLimit: Duration = .seconds(900)

    static func stream(_ path: String, _ type: String) async throws -> [String: Any]? {
        try await AVTestSupport.ffprobeStreams(path).first { $0["codec_type"] as? String == type }
    }

    static func rotation(_ stream: [String: Any]?) -> Int {
        let sideData = stream?["side_data_list"] as? [[String: Any]] ?? []
        return sideData.compactMap { $0["rotation"] as? Int }.first ?? 0
    }

    /// The checks every transcoded video passes, by ffprobe and by wamedia's own probe.
    static func expectConformingVideo(
        _ outcome: Outcome, from input: String, audioChannels: Int?, budget: Int = 16_000_000,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let output = outcome.path
        let video = try #require(try await stream(output, "video"), sourceLocation: sourceLocation)
        #expect(video["codec_name"] as? String == "h264", sourceLocation: sourceLocation)
        #expect(video["pix_fmt"] as? String == "yuv420p", sourceLocation: sourceLocation)
        #expect(["Main", "Constrained Baseline", "Baseline"].contains(video["profile"] as? String ?? ""))
        #expect((video["width"] as? Int ?? 1) % 2 == 0 && (video["height"] as? Int ?? 1) % 2 == 0)
        let audio = try await stream(output, "audio")
        if let audioChannels {
            #expect(audio?["codec_name"] as? String == "aac", sourceLocation: sourceLocation)
            #expect(audio?["profile"] as? String == "LC", sourceLocation: sourceLocation)
            #expect(audio?["channels"] as? Int == audioChannels, sourceLocation: sourceLocation)
        } else {
            #expect(audio == nil, sourceLocation: sourceLocation)
        }
        #expect(try await AVTestSupport.ffprobeStreams(output).count == (audioChannels == nil ? 1 : 2))
        try await expectSameDuration(output, input, sourceLocation: sourceLocation)
        #expect(outcome.size <= budget, sourceLocation: sourceLocation)
        try await expectNoLocation(output, sourceLocation: sourceLocation)
        #expect(try await AVTestSupport.decodeErrors(output) == "", sourceLocation: sourceLocation)

        let inspection = try AVTestSupport.inspect(output)
        let av = try #require(inspection.av, sourceLocation: sourceLocation)
        #expect(av.container == .mp4 && av.faststart == true, sourceLocation: sourceLocation)
        #expect(av.videoTracks.first?.codec == "h264", sourceLocation: sourceLocation)
        #expect(av.videoTracks.first?.h264Profile == "main", sourceLocation: sourceLocation)
        #expect(av.location.isEmpty, sourceLocation: sourceLocation)
        #expect(
            AVRules.findings(for: inspection, as: .video, profile: .whatsappCloud).filter(\.blocksSend).isEmpty,
            sourceLocation: sourceLocation)
    }

    static func expectSameDuration(
        _ output: String, _ input: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let before = try #require(try await AVTestSupport.ffprobeDuration(input), sourceLocation: sourceLocation)
        let after = try #require(try await AVTestSupport.ffprobeDuration(output), sourceLocation: sourceLocation)
        #expect(abs(after - before) <= 0.2, "\(output): \(after) s, input \(before) s", sourceLocation: sourceLocation)
        let own = try #require(try AVTestSupport.inspect(output).av?.durationSeconds, sourceLocation: sourceLocation)
        #expect(
            abs(own - before) <= 0.2, "wamedia's probe: \(own) s, input \(before) s", sourceLocation: sourceLocation)
    }

    static func expectNoLocation(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let format = try await AVTestSupport.ffprobe(path)["format"] as? [String: Any]
        let tags = (format?["tags"] as? [String: Any] ?? [:]).keys.map { $0.lowercased() }
        #expect(
            !tags.contains { $0.contains("location") || $0.contains("xyz") }, "\(tags)", sourceLocation: sourceLocation)
    }

    // MARK: - Video

    @Test(arguments: [
        ("hevc.mp4", ["-c:v", "libx265", "-x265-params", "log-level=error", "-tag:v", "hvc1", "-c:a", "aac"], 2),
        ("vp9.webm", ["-c:v", "libvpx-vp9", "-b:v", "100k", "-c:a", "libopus"], 2),
        ("av1.mkv", ["-c:v", "libaom-av1", "-cpu-used", "8", "-b:v", "100k", "-c:a", "libopus"], 2),
        ("vp8.webm", ["-c:v", "libvpx", "-b:v", "100k", "-c:a", "libvorbis"], 2),
        ("mpeg4.mp4", ["-c:v", "mpeg4", "-c:a", "aac"], 2),
        ("xvid.avi", ["-c:v", "mpeg4", "-vtag", "XVID", "-c:a", "libmp3lame"], 2),
        ("high10.mp4", ["-c:v", "libx264", "-pix_fmt", "yuv420p10le", "-c:a", "aac"], 2),
        ("high444.mp4", ["-c:v", "libx264", "-pix_fmt", "yuv444p", "-c:a", "aac"], 2),
        // The H.264 video is copied, the 5.1 AAC mixed down to stereo.
        (
            "surround.mkv",
            ["-c:v", "libx264", "-profile:v", "main", "-bf", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "6"], 2
        ),
    ])
    func videoIsTranscodedToH264(name: String, codecs: [String], channels: Int) async throws {
        let input = try await AVGeneratedTests.make(name, Self.video + Self.stereo + ["-t", "2"] + codecs)
        let outcome = try await Self.prepare(input, as: .video)
        #expect(outcome.action == .transcoded)
        try await Self.expectConformingVideo(outcome, from: input, audioChannels: channels)
    }

    @Test func h263In3GPIsTranscoded() async throws {
        let input = try await AVGeneratedTests.make(
            "h263.3gp",
            ["-f", "lavfi", "-i", "testsrc=size=176x144:rate=15"] + Self.mono
                + ["-t", "2", "-c:v", "h263", "-c:a", "aac", "-ar", "16000"])
        let outcome = try await Self.prepare(input, as: .video)
        try await Self.expectConformingVideo(outcome, from: input, audioChannels: 1)
    }

    @Test func rotatedHEVCQuickTimeKeepsItsRotationAndLosesItsLocation() async throws {
        let plain = try await AVGeneratedTests.make(
            "plain.mov",
            Self.video + Self.stereo + [
                "-t", "2", "-c:v", "libx265", "-x265-params", "log-level=error", "-tag:v", "hvc1", "-c:a", "aac",
            ])
        let input = plain + ".rotated.mov"
        try await AVTestSupport.ffmpeg([
            "-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=90", "-metadata", "location=+48.8577+002.2950/",
            "-metadata", "make=Apple", input,
        ])
        let before = try #require(try AVTestSupport.inspect(input).av)
        let rotation = try #require(before.videoTracks.first?.rotation)
        #expect(rotation != 0)
        #expect(!before.location.isEmpty)

        let outcome = try await Self.prepare(input, as: .video)
        try await Self.expectConformingVideo(outcome, from: input, audioChannels: 2)
        #expect(
            Self.rotation(try await Self.stream(outcome.path, "video"))
                == Self.rotation(try await Self.stream(input, "video")))
        #expect(try AVTestSupport.inspect(outcome.path).av?.videoTracks.first?.rotation == rotation)
        #expect(outcome.steps.contains("keep the \(rotation)° rotation"), "\(outcome.steps)")
        let tags =
            (try await AVTestSupport.ffprobe(outcome.path)["format"] as? [String: Any])?["tags"] as? [String: Any]
        #expect(tags?["make"] == nil)
    }

    @Test func hdrIsToneMappedToSDR() async throws {
        let input = try await AVGeneratedTests.make(
            "hdr.mp4",
            Self.video + Self.stereo + [
                "-t", "2", "-c:v", "libx265", "-pix_fmt", "yuv420p10le", "-x265-params",
                "log-level=error:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc", "-color_primaries",
                "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc", "-tag:v", "hvc1", "-c:a", "aac",
            ])
        #expect(try AVTestSupport.inspect(input).av?.videoTracks.first?.colourTransfer == 16)
        let outcome = try await Self.prepare(input, as: .video)
        try await Self.expectConformingVideo(outcome, from: input, audioChannels: 2)
        #expect(outcome.steps.contains { $0.contains("tone-map the HDR (PQ)") }, "\(outcome.steps)")
        let video = try await Self.stream(outcome.path, "video")
        #expect(video?["color_transfer"] as? String == "bt709")
        #expect(video?["color_primaries"] as? String == "bt709")
    }

    @Test func keptMetadataKeepsTheLocation() async throws {
        let input = try await AVGeneratedTests.make(
            "located.mov",
            Self.video + [
                "-t", "1", "-c:v", "libx265", "-x265-params", "log-level=error", "-tag:v", "hvc1",
                "-metadata", "location=+48.8577+002.2950/",
            ])
        let outcome = try await Self.prepare(input, as: .video, options: .init(keepMetadata: true))
        #expect(try AVTestSupport.inspect(outcome.path).av?.location.isEmpty == false)
    }

    @Test func theAudioTrackAskedForIsKept() async throws {
        let input = try await AVGeneratedTests.make(
            "two-tracks.mkv",
            Self.video + Self.stereo + Self.mono + [
                "-t", "2", "-map", "0:v", "-map", "1:a", "-map", "2:a", "-c:v", "libvpx-vp9", "-b:v", "100k",
                "-c:a", "libopus",
            ])
        let outcome = try await Self.prepare(input, as: .video, options: .init(container: .init(audioTrack: 1)))
        try await Self.expectConformingVideo(outcome, from: input, audioChannels: 1)
    }

    @Test func anOverBudgetClipIsFittedInTwoPasses() async throws {
        let input = try await AVGeneratedTests.make(
            "noisy.mp4",
            [
                "-f", "lavfi", "-i", "testsrc=size=640x360:rate=25,noise=alls=60:allf=t",
            ] + Self.stereo + ["-t", "4", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "10", "-c:a", "aac"])
        var profile = MediaProfile.whatsappCloud
        profile.video.maxBytes = 250_000
        #expect(try AVTestSupport.inspect(input).size > profile.video.maxBytes)
        let outcome = try await Self.prepare(
            input, as: .video, profile: profile, options: .init(transcode: .init(speed: .fast)))
        try await Self.expectConformingVideo(outcome, from: input, audioChannels: 2, budget: profile.video.maxBytes)
        let share = Double(outcome.size) / Double(profile.video.maxBytes)
        #expect(share >= 0.85 && share <= 1, "\(outcome.size) bytes is \(share) of the budget")
        #expect(outcome.steps.contains { $0.contains("two passes") }, "\(outcome.steps)")
        // x264 writes its settings into the stream: the second of two passes, on the budget's curve.
        let settings = String(decoding: try Data(contentsOf: URL(fileURLWithPath: outcome.path)), as: UTF8.self)
        #expect(settings.contains("rc=2pass"))
        #expect(settings.contains(String(format: "qcomp=%.2f", TranscodePlan.budgetQuantizerCurve)))
    }

    @Test(
        "the ladder keeps the source's resolution down to 0.025 bits per pixel, then steps down",
        arguments: [(8.0, "720p"), (12.0, "720p"), (20.0, "540p"), (40.0, "360p")])
    func ladderRung(seconds: Double, rung: String) throws {
        var video = AVTrack(kind: .video, codec: "hevc")
        (video.width, video.height, video.frameRate, video.durationSeconds) = (1280, 720, 30, seconds)
        var audio = AVTrack(kind: .audio, codec: "aac")
        (audio.channels, audio.audioObjectType) = (2, 2)
        let av = AVInfo(container: .mp4, durationSeconds: seconds, tracks: [video, audio])
        var profile = MediaProfile.whatsappCloud
        profile.video.maxBytes = 1_500_000
        // Bits per pixel at 720p: 0.047 for 8 s, 0.030 for 12 s; for 20 s 0.016, and 0.028 at 540p;
        // for 40 s no rung reaches 0.025 (0.022 at 360p, the lowest, still above the 0.02 refused).
        let decision = TranscodePlanner.videoPlan(
            av, demuxer: "mov", inputSize: 40_000_000, profile: profile, options: .init())
        guard case .planned(let plan) = decision else {
            Issue.record("not planned: \(decision)")
            return
        }
        #expect(plan.steps.contains { $0.contains("H.264 \(rung) at") && $0.contains("two passes") }, "\(plan.steps)")
    }

    @Test func aClipTooLongForAnyRungIsRejectedWithTheLongestThatFits() async throws {
        let input = try await AVGeneratedTests.make(
            "long.mp4", Self.video + ["-t", "20", "-c:v", "libx265", "-x265-params", "log-level=error"])
        var profile = MediaProfile.whatsappCloud
        profile.video.maxBytes = 20_000
        let preparer = try MediaPreparer(profile: profile, executor: .tests)
        let report = try await preparer.check(FileSource(path: input), as: .video, caption: nil, fileName: nil)
        #expect(report.verdict == .rejected)
        let tooLarge = try #require(report.findings.first { $0.code == .tooLarge })
        #expect(tooLarge.message.contains("the longest that fits is about"), "\(tooLarge.message)")
        let rejection = await #expect(throws: WabaMediaError.self) {
            try await preparer.withPreparedMedia(at: input, as: .video) { (_: PreparedMedia) async in }
        }
        #expect(rejection?.code == .rejected)
    }

    /// Meta: B-frames "are not supported by Android WhatsApp clients": both bundled profiles remove
    /// them; only a profile with `fix_b_frames: false` sends them as they are.
    @Test func bundledProfilesRemoveBFrames() async throws {
        let input = try await AVGeneratedTests.make(
            "bframes.mp4",
            Self.video + [
                "-t", "2", "-c:v", "libx264", "-profile:v", "main", "-bf", "3", "-pix_fmt", "yuv420p",
                "-movflags", "+faststart",
            ])
        #expect(try AVTestSupport.inspect(input).av?.videoTracks.first?.hasBFrames == true)
        var relaxed = MediaProfile.whatsappCloud
        relaxed.video.fixesBFrames = false
        let lenient = try await MediaPreparer(profile: relaxed, executor: .tests).check(
            FileSource(path: input), as: .video, caption: nil, fileName: nil)
        #expect(lenient.verdict == .ok)
        let byDefault = try await Self.prepare(input, as: .video)
        #expect(byDefault.action == .transcoded)
        #expect(try AVTestSupport.inspect(byDefault.path).av?.videoTracks.first?.hasBFrames != true)
        let outcome = try await Self.prepare(input, as: .video, profile: try MediaProfile.load("whatsapp-conservative"))
        #expect(outcome.action == .transcoded)
        #expect(try AVTestSupport.inspect(outcome.path).av?.videoTracks.first?.hasBFrames != true)
    }

    @Test func animatedGIFSentAsVideoBecomesSilentMP4() async throws {
        let input = try await AVGeneratedTests.make(
            "animation.gif", ["-f", "lavfi", "-i", "testsrc=size=81x47:rate=10", "-t", "2"])
        let outcome = try await Self.prepare(input, as: .video)
        #expect(outcome.report.inspection.av?.videoTracks.first?.codec == "h264")
        try await Self.expectConformingVideo(outcome, from: input, audioChannels: nil)
    }

    @Test func animatedWebPSentAsVideoBecomesSilentMP4OfTheSameLength() async throws {
        let gif = try await AVGeneratedTests.make(
            "animation.gif", ["-f", "lavfi", "-i", "testsrc=size=81x47:rate=10", "-t", "2"])
        let input = gif.replacingOccurrences(of: ".gif", with: ".webp")
        _ = try await offThePool { try runTool("vips", ["copy", gif + "[n=-1]", input]) }
        let outcome = try await Self.prepare(input, as: .video)
        #expect(outcome.steps.contains("convert the 20-frame animation to H.264 video at CRF 23, without audio"))
        #expect(outcome.steps.contains("play 2.0 s at 10 frames per second"))
        #expect(outcome.report.inspection.av?.videoTracks.first?.codec == "h264")
        // ffprobe cannot read an animated WebP: the GIF it was made from has the same frames and delays.
        try await Self.expectConformingVideo(outcome, from: gif, audioChannels: nil)
        let video = try #require(try await Self.stream(outcome.path, "video"))
        #expect(video["nb_frames"] as? String == "20")
    }

    @Test func aCutAnimatedWebPIsRefusedClearly() async throws {
        let gif = try await AVGeneratedTests.make(
            "damaged.gif", ["-f", "lavfi", "-i", "testsrc=size=64x64:rate=10", "-t", "1"])
        let whole = gif.replacingOccurrences(of: ".gif", with: ".webp")
        _ = try await offThePool { try runTool("vips", ["copy", gif + "[n=-1]", whole]) }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: whole))
        let input = whole.replacingOccurrences(of: ".webp", with: "-cut.webp")
        try bytes.prefix(bytes.count * 2 / 3).write(to: URL(fileURLWithPath: input))
        let preparer = try MediaPreparer(
            options: .init(transcode: .init(timeLimit: Self.patientLimit)), executor: .tests)
        let check = try await preparer.check(FileSource(path: input), as: .video, caption: nil, fileName: nil)
        #expect(check.verdict == .rejected)
        let rejection = await #expect(throws: WabaMediaError.self) {
            try await preparer.withPreparedMedia(at: input, as: .video) { (_: PreparedMedia) async in }
        }
        #expect(rejection?.code == .rejected)
    }

    @Test(
        "each frame is shown for its delay at a constant frame rate of at most 30 per second",
        arguments: [
            ([100, 100, 100], 3, "10", [1, 1, 1]),
            ([40, 80, 120], 3, "25", [1, 2, 3]),
            ([0, 10, 50], 3, "20", [2, 2, 1]),  // 10 ms or less is shown for 100 ms, as browsers do
            ([], 2, "10", [1, 1]),  // no delays: 100 ms each
            ([7, 13], 2, "30", [3, 0]),  // 100 ms, then 13 ms, less than a tick: dropped
            ([15, 25], 2, "30", [1, 0]),  // at most 30 frames per second
            ([20, 20, 20, 20, 20], 5, "30", [1, 0, 1, 0, 1]),  // 50 per second: every other frame, 100 ms kept
            ([300, 600], 2, "10/3", [1, 2]),
            ([3000, 1500], 2, "1", [3, 2]),  // at least one frame per second
        ])
    func animationTiming(delays: [Int], frames: Int, rate: String, repeats: [Int]) {
        let timing = AnimationFrames.timing(delays: delays, frames: frames)
        #expect(timing.rate.description == rate)
        #expect(timing.repeats == repeats)
    }

    // MARK: - Audio

    static func expectAudio(
        _ outcome: Outcome, from input: String, codec: String, channels: Int, container: AVInfo.Container,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let streams = try await AVTestSupport.ffprobeStreams(outcome.path)
        #expect(streams.count == 1, sourceLocation: sourceLocation)
        #expect(streams.first?["codec_name"] as? String == codec, sourceLocation: sourceLocation)
        #expect(streams.first?["channels"] as? Int == channels, sourceLocation: sourceLocation)
        if codec == "aac" { #expect(streams.first?["profile"] as? String == "LC", sourceLocation: sourceLocation) }
        try await expectSameDuration(outcome.path, input, sourceLocation: sourceLocation)
        try await expectNoLocation(outcome.path, sourceLocation: sourceLocation)
        let inspection = try AVTestSupport.inspect(outcome.path)
        #expect(inspection.av?.container == container, sourceLocation: sourceLocation)
        #expect(inspection.av?.audioTracks.first?.codec == codec, sourceLocation: sourceLocation)
        #expect(
            AVRules.findings(for: inspection, as: .audio, profile: .whatsappCloud).filter(\.blocksSend).isEmpty,
            sourceLocation: sourceLocation)
        #expect(try await AVTestSupport.decodeErrors(outcome.path) == "", sourceLocation: sourceLocation)
    }

    @Test(arguments: [
        ("dictation.wav", mono + ["-c:a", "pcm_s16le"], "opus", 1, AVInfo.Container.ogg),
        ("music.flac", stereo + ["-c:a", "flac"], "aac", 2, .m4a),
        ("music.ogg", stereo + ["-c:a", "libvorbis"], "aac", 2, .m4a),
        ("voice.ogg", mono + ["-c:a", "libvorbis"], "opus", 1, .ogg),
        ("lossless.m4a", stereo + ["-c:a", "alac"], "aac", 2, .m4a),
        ("take.aiff", mono + ["-c:a", "pcm_s16be"], "opus", 1, .ogg),
    ])
    func audioIsTranscoded(name: String, arguments: [String], codec: String, channels: Int, container: AVInfo.Container)
        async throws
    {
        let input = try await AVGeneratedTests.make(name, arguments + ["-t", "3"])
        let outcome = try await Self.prepare(input, as: .audio)
        #expect(outcome.action == .transcoded)
        try await Self.expectAudio(outcome, from: input, codec: codec, channels: channels, container: container)
    }

    @Test func voiceNotesFitThePlayButtonSizeForFiveMinutes() async throws {
        let input = try await AVGeneratedTests.make("long-dictation.flac", Self.mono + ["-t", "300", "-c:a", "flac"])
        let outcome = try await Self.prepare(input, as: .audio, options: .init(transcode: .init(audioAs: .voice)))
        try await Self.expectAudio(outcome, from: input, codec: "opus", channels: 1, container: .ogg)
        #expect(outcome.size < 512_000, "\(outcome.size) bytes")
    }

    @Test func theFlagChoosesAACForAMonoRecording() async throws {
        let input = try await AVGeneratedTests.make("mono.wav", Self.mono + ["-t", "2", "-c:a", "pcm_s16le"])
        let outcome = try await Self.prepare(input, as: .audio, options: .init(transcode: .init(audioAs: .audio)))
        try await Self.expectAudio(outcome, from: input, codec: "aac", channels: 1, container: .m4a)
    }

    @Test func browserWebMOpusWithoutADurationIsRemuxedIntoOgg() async throws {
        // MediaRecorder writes WebM as a stream: no duration, no cues; so does ffmpeg into a pipe.
        let input = try AVTestSupport.temporaryDirectory() + "/recording.webm"
        let result = try await AVTestSupport.run(
            "sh",
            [
                "-c",
                "ffmpeg -v error -nostdin -f lavfi -i sine=frequency=300:sample_rate=48000 -t 3 -c:a libopus -ac 1 -f webm pipe:1 > '\(input)'",
            ])
        #expect(result.status == 0, "\(result.errors)")
        let outcome = try await Self.prepare(input, as: .audio)
        #expect(outcome.steps.first?.contains("not re-encoded") == true, "\(outcome.steps)")
        let streams = try await AVTestSupport.ffprobeStreams(outcome.path)
        #expect(streams.first?["codec_name"] as? String == "opus")
        let duration = try #require(try AVTestSupport.inspect(outcome.path).av?.durationSeconds)
        #expect(abs(duration - 3) <= 0.2)
    }

    @Test func opusInMP4IsRemuxedIntoOgg() async throws {
        let input = try await AVGeneratedTests.make(
            "opus.mp4", Self.mono + ["-t", "2", "-c:a", "libopus", "-strict", "-2"])
        let outcome = try await Self.prepare(input, as: .audio)
        try await Self.expectAudio(outcome, from: input, codec: "opus", channels: 1, container: .ogg)
        #expect(outcome.steps.first?.contains("not re-encoded") == true)
    }

    // MARK: - Failures

    @Test func withoutFFmpegTheFileStaysRejectedAndSaysHowToInstallIt() async throws {
        let input = try await AVGeneratedTests.make("no-ffmpeg.wav", Self.mono + ["-t", "1", "-c:a", "pcm_s16le"])
        let preparer = try MediaPreparer(options: .init(transcode: .init(ffmpeg: .none)), executor: .tests)
        let report = try await preparer.check(FileSource(path: input), as: .audio, caption: nil, fileName: nil)
        #expect(report.verdict == .rejected)
        let missing = try #require(report.findings.first { $0.code == .ffmpegMissing })
        #expect(missing.hint.contains("apt-get install ffmpeg"))
        let rejection = await #expect(throws: WabaMediaError.self) {
            try await preparer.withPreparedMedia(at: input, as: .audio) { (_: PreparedMedia) async in }
        }
        #expect(rejection?.code == .rejected)

        let withoutOpus = FFmpeg(path: try #require(FFmpeg.installed?.path), encoders: ["aac"])
        let lacking = try MediaPreparer(
            options: .init(transcode: .init(audioAs: .voice, ffmpeg: .at(withoutOpus))), executor: .tests)
        let lackingReport = try await lacking.check(FileSource(path: input), as: .audio, caption: nil, fileName: nil)
        #expect(lackingReport.findings.first { $0.code == .ffmpegMissing }?.message.contains("libopus") == true)
    }

    /// A preparer whose ffmpeg lookup answers only once a transcode has reported progress (or after
    /// 300 s), with the real `ffmpeg -encoders` list less `withheld`; and whether the answer came
    /// from that progress.
    static func preparerAnsweringAfterProgress(withholding withheld: Set<String>) throws -> (
        MediaPreparer, answeredAfterProgress: @Sendable () -> Bool
    ) {
        let executable = try #require(FFmpeg.installed?.path)
        let progressed = Mutex(false)
        let afterProgress = Mutex<Bool?>(nil)
        let lookup = FFmpeg.Lookup(executable: executable) { path in
            let started = ContinuousClock.now
            while !progressed.withLock({ $0 }), ContinuousClock.now - started < .seconds(300) {
                usleep(20_000)
            }
            afterProgress.withLock { $0 = progressed.withLock { $0 } }
            return FFmpeg.listEncoders(path: path).map { $0.subtracting(withheld) }
        }
        var options = MediaPreparer.Options()
        options.transcode.timeLimit = Self.patientLimit
        options.transcode.installedLookup = lookup
        let preparer = try MediaPreparer(
            options: options, executor: .tests, progress: { _ in progressed.withLock { $0 = true } })
        return (preparer, { afterProgress.withLock { $0 } == true })
    }

    static func mpeg4InAVI(_ name: String) async throws -> String {
        try await AVGeneratedTests.make(
            name, Self.video + Self.stereo + ["-t", "2", "-c:v", "mpeg4", "-c:a", "pcm_s16le", "-f", "avi"])
    }

    @Test func theFirstTranscodeStartsBeforeFFmpegsEncodersAreListed() async throws {
        let input = try await Self.mpeg4InAVI("early.avi")
        let (preparer, answeredAfterProgress) = try Self.preparerAnsweringAfterProgress(withholding: [])
        let (action, report) = try await preparer.withPreparedMedia(at: input, as: .video) {
            (media: PreparedMedia) async throws in
            let streams = try await AVTestSupport.ffprobeStreams(media.media.path)
            #expect(streams.compactMap { $0["codec_name"] as? String }.sorted() == ["aac", "h264"])
            return (media.action, media.report)
        }
        #expect(answeredAfterProgress(), "the transcode waited for the encoder list")
        #expect(action == .transcoded)
        #expect(report.verdict == .fixable)
        // The report kept is the one made from the real list: what `check` says once it is known.
        #expect(report == (try await preparer.check(FileSource(path: input), as: .video, caption: nil, fileName: nil)))
    }

    @Test func aTranscodeStartedBeforeTheListIsDroppedWhenTheEncoderIsMissing() async throws {
        let input = try await Self.mpeg4InAVI("early-no-x264.avi")
        let (preparer, answeredAfterProgress) = try Self.preparerAnsweringAfterProgress(withholding: ["libx264"])
        let error = await #expect(throws: WabaMediaError.self) {
            try await preparer.withPreparedMedia(at: input, as: .video) { (_: PreparedMedia) async in
                Issue.record("a file whose encoder is missing was handed on")
            }
        }
        #expect(error?.code == .rejected)
        #expect(answeredAfterProgress(), "no transcode was started before the encoder list was known")
        let missing = try #require(error?.report?.findings.first { $0.code == .ffmpegMissing })
        #expect(missing.message.contains("libx264"), "\(missing.message)")
    }

    @Test func installedFFmpegListsItsEncoders() async throws {
        let ffmpeg = try #require(await FFmpeg.installedLookup.ffmpeg())
        #expect(ffmpeg.encoders.isSuperset(of: ["libx264", "aac", "libopus"]))
        #expect(await FFmpeg.Lookup(environment: ["WAMEDIA_FFMPEG": ""]).ffmpeg() == nil)
        #expect(await FFmpeg.Lookup(environment: ["WAMEDIA_FFMPEG": "/nonexistent/ffmpeg"]).ffmpeg() == nil)
    }

    @Test func aProgramThatIsNoFFmpegNeitherHangsNorFloodsTheLookup() async throws {
        // `yes` prints its arguments for ever: more than any list of encoders.
        #expect(await FFmpeg.listEncoders(path: "/usr/bin/yes") == nil)
        // A program that never ends, whose own child keeps the output open after it is killed.
        let silent = try AVTestSupport.temporaryDirectory() + "/silent-ffmpeg"
        try "#!/bin/sh\nsleep 20\n".write(toFile: silent, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: silent)
        let started = ContinuousClock.now
        #expect(await FFmpeg.listEncoders(path: silent, timeLimit: .seconds(1)) == nil)
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(await FFmpeg.Lookup(environment: ["WAMEDIA_FFMPEG": "/usr/bin/yes"]).ffmpeg() == nil)
    }

    @Test func aTruncatedInputIsRefusedClearly() async throws {
        let input = try await AVGeneratedTests.make(
            "cut.webm", Self.video + Self.stereo + ["-t", "4", "-c:v", "libvpx-vp9", "-b:v", "200k", "-c:a", "libopus"])
        let handle = try #require(FileHandle(forUpdatingAtPath: input))
        try handle.truncate(atOffset: handle.seekToEnd() / 2)
        try handle.close()
        let started = ContinuousClock.now
        do {
            try await MediaPreparer(executor: .tests).withPreparedMedia(at: input, as: .video) {
                (_: PreparedMedia) async in
                Issue.record("a truncated file was prepared")
            }
        } catch let rejection as WabaMediaError where rejection.code == .rejected {
            #expect(rejection.report?.verdict == .rejected)
        } catch let failure as WabaMediaError where failure.report != nil {
            #expect(failure.message.contains("could not be read") || failure.message.contains("ffmpeg"))
        }
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    /// A minute of 640×360 in High 10: quick to make, long to transcode at `--speed best`.
    static func slowInput(_ name: String) async throws -> String {
        try await AVGeneratedTests.make(
            name,
            [
                "-f", "lavfi", "-i", "testsrc=size=640x360:rate=25", "-t", "60", "-c:v", "libx264", "-preset",
                "ultrafast", "-pix_fmt", "yuv420p10le",
            ])
    }

    @Test func theWallClockLimitStopsFFmpeg() async throws {
        let input = try await Self.slowInput("slow.mp4")
        let options = MediaPreparer.Options(transcode: .init(speed: .best, timeLimit: .milliseconds(500)))
        let started = ContinuousClock.now
        let failure = try await #require(throws: WabaMediaError.self) {
            try await MediaPreparer(options: options, executor: .tests).withPreparedMedia(at: input, as: .video) {
                (_: PreparedMedia) async in
            }
        }
        #expect(failure.code != .rejected && failure.report != nil, "a failure of a file that was checked")
        #expect(failure.message.contains("took longer than"), "\(failure.message)")
        // Without the limit the transcode takes well over a minute on two cores.
        #expect(ContinuousClock.now - started < .seconds(15))
    }

    @Test func cancellingTheTaskStopsFFmpeg() async throws {
        let input = try await Self.slowInput("cancelled.mp4")
        let reports = Recorder<TranscodeProgress>()
        let preparer = try MediaPreparer(
            options: .init(transcode: .init(speed: .best)), executor: .tests, progress: reports.append)
        let task = Task {
            try await preparer.withPreparedMedia(at: input, as: .video) { (_: PreparedMedia) async in }
        }
        for _ in 0..<200 where reports.values.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!reports.values.isEmpty, "ffmpeg reported no progress")
        let cancelled = ContinuousClock.now
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(ContinuousClock.now - cancelled < .seconds(3))
    }

    @Test func progressIsReportedUpToTheEnd() async throws {
        let input = try await AVGeneratedTests.make(
            "progress.webm", Self.video + ["-t", "2", "-c:v", "libvpx", "-b:v", "100k"])
        let reports = Recorder<TranscodeProgress>()
        let preparer = try MediaPreparer(
            options: .init(transcode: .init(timeLimit: Self.patientLimit)), executor: .tests, progress: reports.append)
        try await preparer.withPreparedMedia(at: input, as: .video) { (_: PreparedMedia) async in }
        #expect(!reports.values.isEmpty)
        #expect(reports.values.last?.fraction ?? 0 >= 0.9, "\(reports.values.last.map { "\($0)" } ?? "none")")
    }
}

/// Values collected from callbacks on other threads.
final class Recorder<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [Value] = []

    var values: [Value] { lock.withLock { collected } }

    @Sendable func append(_ value: Value) { lock.withLock { collected.append(value) } }
}
