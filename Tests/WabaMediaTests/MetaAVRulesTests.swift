import Foundation
import Testing

@testable import WabaMedia

/// Meta's rules for audio and video to the letter: Opus in OGG is "mono input only", and "H.264
/// 'High' profile and B-frames are not supported by Android WhatsApp clients". Inputs made with
/// ffmpeg in the test, prepared through ``MediaPreparer``, outputs checked by ffprobe and by reading
/// the bytes ffmpeg wrote.
@Suite(.serialized, .enabled(if: AVTestSupport.ffmpegTestsRun, "needs ffmpeg and ffprobe on PATH"))
struct MetaAVRulesTests {
    static let stereoTone = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-ac", "2"]
    static let video = ["-f", "lavfi", "-i", "testsrc=size=160x96:rate=15"]

    /// The fields of an `OpusHead` (RFC 7845 §5.1) and the `OpusTags` vendor and comments, read from
    /// the first two pages of an OGG file.
    struct OpusHeaders {
        var channels: Int
        var preSkip: Int
        var inputSampleRate: Int
        /// The OpusTags packet as text: the vendor string and the comments.
        var tags: String

        init(_ path: String) throws {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)).prefix(4096))
            let head = try #require(Self.find(Array("OpusHead".utf8), in: bytes))
            channels = Int(bytes[head + 9])
            preSkip = Int(bytes[head + 10]) | Int(bytes[head + 11]) << 8
            inputSampleRate = (0..<4).reduce(0) { $0 | Int(bytes[head + 12 + $1]) << (8 * $1) }
            let tagsStart = try #require(Self.find(Array("OpusTags".utf8), in: bytes))
            let tagsEnd = Self.find(Array("OggS".utf8), in: Array(bytes[tagsStart...])).map { tagsStart + $0 }
            tags = String(decoding: bytes[tagsStart..<(tagsEnd ?? bytes.count)], as: UTF8.self)
        }

        static func find(_ needle: [UInt8], in bytes: [UInt8]) -> Int? {
            guard bytes.count >= needle.count else { return nil }
            return (0...(bytes.count - needle.count)).first { Array(bytes[$0..<($0 + needle.count)]) == needle }
        }
    }

    /// What every voice note wamedia writes has: one mono Opus stream in OGG, libopus' pre-skip, the
    /// 16 kHz input rate, and no `Lavf`/`Lavc` version strings.
    static func expectVoiceNote(_ outcome: TranscodeTests.Outcome, from input: String) async throws {
        try await TranscodeTests.expectAudio(outcome, from: input, codec: "opus", channels: 1, container: .ogg)
        let headers = try OpusHeaders(outcome.path)
        #expect(headers.channels == 1)
        // libopus' lookahead: 6.5 ms, 312 samples at 48 kHz, whatever the input rate.
        #expect(headers.preSkip == 312, "pre-skip \(headers.preSkip)")
        #expect(headers.inputSampleRate == TranscodePlan.voiceNoteSampleRate)
        #expect(!headers.tags.contains("Lavf") && !headers.tags.contains("Lavc"), "\(headers.tags)")
    }

    // MARK: - Opus is mono

    @Test("stereo Opus in OGG is fixable and downmixed to a mono voice note")
    func stereoOpusInOGG() async throws {
        let input = try await AVGeneratedTests.make(
            "stereo.ogg", Self.stereoTone + ["-t", "3", "-c:a", "libopus", "-b:a", "64k"])
        let outcome = try await TranscodeTests.prepare(input, as: .audio)
        #expect(outcome.action == .transcoded)
        #expect(outcome.steps.first?.contains("downmix the 2-channel Opus") == true, "\(outcome.steps)")
        try await Self.expectVoiceNote(outcome, from: input)
    }

    @Test("stereo Opus in WebM (a browser recording) is downmixed, not moved into OGG as it is")
    func stereoOpusInWebM() async throws {
        let input = try await AVGeneratedTests.make(
            "recording.webm", Self.stereoTone + ["-t", "3", "-c:a", "libopus", "-b:a", "64k"])
        let outcome = try await TranscodeTests.prepare(input, as: .audio)
        #expect(outcome.steps.first?.contains("downmix") == true, "\(outcome.steps)")
        try await Self.expectVoiceNote(outcome, from: input)
    }

    @Test("ogg_mono_only: false keeps stereo Opus in OGG as it is, with a warning")
    func relaxedMonoRule() async throws {
        let input = try await AVGeneratedTests.make(
            "stereo.ogg", Self.stereoTone + ["-t", "1", "-c:a", "libopus"])
        let profile = try MediaProfile(
            yaml: try #require(BundledProfiles.sources["whatsapp-cloud"]).replacingOccurrences(
                of: "ogg_mono_only: true", with: "ogg_mono_only: false"),
            origin: "relaxed.yaml")
        #expect(profile.audio.oggMonoOnly == false)
        let ffmpeg = await FFmpegCapabilities.installed()
        let report = concluded(try AVTestSupport.inspect(input), as: .audio, profile: profile, ffmpeg: ffmpeg)
        #expect(report.verdict == .ok, "\(report.findings)")
        #expect(report.findings.first { $0.code == .voiceNoteChannels }?.severity == .warning)
    }

    // MARK: - H.264 Main without B-frames

    @Test("H.264 High with B-frames is fixable: re-encoded as Main without B-frames, the AAC audio copied")
    func highProfileWithBFrames() async throws {
        let input = try await AVGeneratedTests.make(
            "high.mp4",
            Self.video + Self.stereoTone + [
                "-t", "2", "-c:v", "libx264", "-profile:v", "high", "-bf", "3", "-pix_fmt", "yuv420p", "-c:a", "aac",
                "-movflags", "+faststart",
            ])
        let before = try #require(try await TranscodeTests.stream(input, "video"))
        #expect(before["profile"] as? String == "High")
        #expect((before["has_b_frames"] as? Int ?? 0) > 0)
        let ffmpeg = await FFmpegCapabilities.installed()
        let check = concluded(try AVTestSupport.inspect(input), as: .video, ffmpeg: ffmpeg)
        #expect(check.findings.first { $0.code == .h264Profile }?.message.contains("not supported by Android") == true)

        let outcome = try await TranscodeTests.prepare(input, as: .video)
        #expect(outcome.action == .transcoded)
        #expect(
            !outcome.report.findings.contains { $0.code == .h264Profile || $0.code == .bFrames },
            "\(outcome.report.findings)")
        #expect(outcome.steps.contains("copy the AAC audio"), "\(outcome.steps)")
        #expect(outcome.steps.contains { $0.contains("no B-frames") }, "\(outcome.steps)")
        let after = try #require(try await TranscodeTests.stream(outcome.path, "video"))
        #expect(["Main", "Baseline", "Constrained Baseline"].contains(after["profile"] as? String ?? ""))
        #expect(after["has_b_frames"] as? Int == 0)
        try await TranscodeTests.expectConformingVideo(outcome, from: input, audioChannels: 2)
    }

    @Test("H.264 Main without B-frames stays ok and is sent as it is")
    func mainWithoutBFramesIsKept() async throws {
        let input = try await AVGeneratedTests.make(
            "main.mp4",
            Self.video + Self.stereoTone + [
                "-t", "1", "-c:v", "libx264", "-profile:v", "main", "-bf", "0", "-pix_fmt", "yuv420p", "-c:a", "aac",
                "-movflags", "+faststart",
            ])
        let preparer = try MediaPreparer(executor: .tests)
        let check = try await preparer.check(FileSource(path: input), as: .video, caption: nil, fileName: nil)
        #expect(check.verdict == .ok, "\(check.findings)")
        #expect(check.transcodePlan == nil)
        let original = try Data(contentsOf: URL(fileURLWithPath: input))
        let output = input + ".sent.mp4"
        try await preparer.withPreparedMedia(at: input, as: .video) { (media: PreparedMedia) async throws in
            #expect(media.action == .kept)
            try media.write(to: output)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == original)
    }

    @Test("fix_b_frames: false and high among h264_warn_profiles keep them warnings, as before")
    func relaxedH264Rules() async throws {
        let input = try await AVGeneratedTests.make(
            "high.mp4",
            Self.video + [
                "-t", "1", "-c:v", "libx264", "-profile:v", "high", "-bf", "3", "-pix_fmt", "yuv420p", "-movflags",
                "+faststart",
            ])
        var relaxed = MediaProfile.whatsappCloud
        relaxed.video.h264WarnProfiles = ["high"]
        relaxed.video.h264RejectProfiles.removeAll { $0 == "high" }
        relaxed.video.fixesBFrames = false
        let ffmpeg = await FFmpegCapabilities.installed()
        let report = concluded(try AVTestSupport.inspect(input), as: .video, profile: relaxed, ffmpeg: ffmpeg)
        #expect(report.verdict == .ok, "\(report.findings)")
        #expect(report.findings.first { $0.code == .h264Profile }?.severity == .warning)
        #expect(report.findings.first { $0.code == .bFrames }?.severity == .warning)
    }

    // MARK: - Voice notes fit the play button

    @Test("a voice note is planned at the highest rung of the ladder that fits 512,000 bytes")
    func ladderRung() {
        let limit = 512_000
        #expect(TranscodePlanner.voiceNote(duration: 60, limit: limit).bitrate == 24_000)
        #expect(TranscodePlanner.voiceNote(duration: 240, limit: limit).bitrate == 16_000)
        #expect(TranscodePlanner.voiceNote(duration: 390, limit: limit).bitrate == 10_000)
        #expect(TranscodePlanner.voiceNote(duration: 490, limit: limit).bitrate == 8_000)
        for seconds in [1.0, 60, 170, 240, 330, 390, 490] {
            let note = TranscodePlanner.voiceNote(duration: seconds, limit: limit)
            #expect(note.overLimit == nil, "\(seconds) s")
            #expect((note.expectedBytes ?? .max) <= limit, "\(seconds) s at \(note.bitrate)")
        }
    }

    @Test("a voice note too long for the lowest rung is planned with a warning naming the limit")
    func tooLongForThePlayButton() async throws {
        let input = try await AVGeneratedTests.make(
            "lecture.wav",
            ["-f", "lavfi", "-i", "sine=frequency=300:sample_rate=8000", "-t", "600", "-c:a", "pcm_u8"])
        let ffmpeg = await FFmpegCapabilities.installed()
        let report = concluded(try AVTestSupport.inspect(input), as: .audio, ffmpeg: ffmpeg)
        #expect(report.verdict == .fixable, "\(report.findings)")
        let warning = try #require(report.findings.first { $0.code == .voiceNoteSize })
        #expect(warning.severity == .warning)
        #expect(warning.message.contains("512000 bytes"), "\(warning.message)")
        #expect(warning.hint.contains("at most 8 min"), "\(warning.hint)")
        #expect(report.transcodePlan?.steps.first?.contains("8 kbit/s") == true)
    }

    @Test("a long voice note steps down the ladder and stays under 512,000 bytes")
    func longVoiceNoteFits() async throws {
        let input = try await AVGeneratedTests.make(
            "dictation.flac",
            [
                "-f", "lavfi", "-i", "sine=frequency=220:sample_rate=16000", "-f", "lavfi", "-i",
                "anoisesrc=color=pink:sample_rate=16000:amplitude=0.1", "-filter_complex", "amix=inputs=2",
                "-t", "240", "-c:a", "flac",
            ])
        let outcome = try await TranscodeTests.prepare(input, as: .audio)
        #expect(outcome.steps.first?.contains("at 16 kbit/s") == true, "\(outcome.steps)")
        #expect(outcome.size <= 512_000, "\(outcome.size) bytes")
        #expect(!outcome.report.findings.contains { $0.code == .voiceNoteSize })
        try await Self.expectVoiceNote(outcome, from: input)
    }
}
