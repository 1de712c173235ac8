import Foundation
import TestSupport
import Testing

@testable import WabaMedia

/// Files made with ffmpeg in the test, probed, judged, rewritten, and checked against ffprobe.
@Suite(.enabled(if: AVTestSupport.ffmpegTestsRun, "needs ffmpeg and ffprobe on PATH"))
struct AVGeneratedTests {
    static let video = ["-f", "lavfi", "-i", "testsrc=size=96x64:rate=15"]
    static let tone = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"]
    static let safeH264 = [
        "-c:v", "libx264", "-profile:v", "main", "-bf", "0", "-pix_fmt", "yuv420p",
    ]

    /// Generates `name` in a fresh folder with ffmpeg `arguments` (inputs and codecs; the output is appended).
    static func make(_ name: String, _ arguments: [String]) async throws -> String {
        let path = try AVTestSupport.temporaryDirectory() + "/" + name
        try await AVTestSupport.ffmpeg(arguments + [path])
        return path
    }

    static func expectDurationMatchesFFprobe(_ path: String, _ av: AVInfo) async throws {
        let reference = try #require(try await AVTestSupport.ffprobeDuration(path))
        let duration = try #require(av.durationSeconds)
        #expect(abs(duration - reference) < 0.1, "\(path): \(duration) s, ffprobe says \(reference) s")
    }

    @Test func h264AndAACInMP4IsAccepted() async throws {
        let path = try await Self.make(
            "clip.mp4",
            Self.video + Self.tone + ["-t", "1.3"] + Self.safeH264 + [
                "-c:a", "aac", "-movflags", "+faststart",
            ])
        let inspection = try AVTestSupport.inspect(path)
        let av = try #require(inspection.av)
        try await Self.expectDurationMatchesFFprobe(path, av)
        #expect(av.videoTracks.first?.h264Profile == "main")
        #expect(av.audioTracks.first?.sampleRate == 44_100)
        #expect(AVRules.findings(for: inspection, as: .video, profile: .whatsappCloud).isEmpty)
    }

    @Test func mp4WithoutAudioIsAccepted() async throws {
        let path = try await Self.make(
            "silent.mp4", Self.video + ["-t", "1"] + Self.safeH264 + ["-an", "-movflags", "+faststart"])
        let inspection = try AVTestSupport.inspect(path)
        #expect(inspection.mime == "video/mp4")
        #expect(inspection.av?.audioTracks.isEmpty == true)
        #expect(AVRules.findings(for: inspection, as: .video, profile: .whatsappCloud).isEmpty)
    }

    @Test func hevcInMP4IsRejected() async throws {
        let path = try await Self.make(
            "hevc.mp4",
            Self.video + Self.tone + [
                "-t", "1", "-c:v", "libx265", "-x265-params", "log-level=error", "-tag:v", "hvc1", "-c:a",
                "aac",
            ])
        let findings = try AVTestSupport.findings(path, as: .video)
        #expect(findings.severity(of: .videoCodec) == .rejected)
        #expect(AVTestSupport.verdict(findings) == .rejected)
    }

    @Test func vp9InWebMIsRejected() async throws {
        let path = try await Self.make(
            "clip.webm",
            Self.video + Self.tone + ["-t", "1", "-c:v", "libvpx-vp9", "-b:v", "50k", "-c:a", "libopus"])
        let inspection = try AVTestSupport.inspect(path)
        let av = try #require(inspection.av)
        try await Self.expectDurationMatchesFFprobe(path, av)
        #expect(av.audioTracks.first?.codec == "opus")
        let findings = AVRules.findings(for: inspection, as: .video, profile: .whatsappCloud)
        #expect(findings.severity(of: .videoCodec) == .rejected)
    }

    @Test func threeGPIsAccepted() async throws {
        let path = try await Self.make(
            "clip.3gp",
            Self.video + ["-f", "lavfi", "-i", "sine=sample_rate=8000", "-t", "1"] + [
                "-c:v", "libx264", "-profile:v", "baseline", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac",
                "1",
                "-movflags", "+faststart", "-f", "3gp",
            ])
        let inspection = try AVTestSupport.inspect(path)
        let av = try #require(inspection.av)
        #expect(av.container == .threeGP)
        #expect(inspection.mime == "video/3gpp")
        try await Self.expectDurationMatchesFFprobe(path, av)
        #expect(AVRules.findings(for: inspection, as: .video, profile: .whatsappCloud).isEmpty)
    }

    @Test(arguments: [
        ("voice.ogg", ["-c:a", "libopus", "-ac", "1", "-b:a", "24k"], Verdict.ok),
        ("music.mp3", ["-c:a", "libmp3lame", "-b:a", "64k"], .ok),
        ("music.m4a", ["-c:a", "aac", "-movflags", "+faststart"], .ok),
        ("music.aac", ["-c:a", "aac"], .ok),
        ("music.ogg", ["-c:a", "libvorbis"], .rejected),
        ("music.wav", ["-c:a", "pcm_s16le"], .rejected),
        ("music.flac", ["-c:a", "flac"], .rejected),
    ])
    func audio(name: String, codec: [String], verdict: Verdict) async throws {
        let path = try await Self.make(name, Self.tone + ["-t", "2.2"] + codec)
        let inspection = try AVTestSupport.inspect(path)
        let av = try #require(inspection.av)
        #expect(av.problems.isEmpty, "\(av.problems)")
        if !name.hasSuffix(".aac") {
            // ffprobe estimates raw AAC from the bitrate; the probe counts frames.
            try await Self.expectDurationMatchesFFprobe(path, av)
        } else {
            #expect(abs((av.durationSeconds ?? 0) - 2.2) < 0.1)
        }
        let findings = AVRules.findings(for: inspection, as: .audio, profile: .whatsappCloud)
        #expect(AVTestSupport.verdict(findings) == verdict, "\(findings)")
    }

    /// Meta: OGG is "mono input only". The default profile rejects stereo Opus in OGG (a downmix makes
    /// it fixable: MetaAVRulesTests); `ogg_mono_only: false` keeps the old warning.
    @Test func stereoOpusInOGGBreaksTheMonoRule() async throws {
        let path = try await Self.make("stereo.ogg", Self.tone + ["-t", "1", "-c:a", "libopus", "-ac", "2"])
        let findings = try AVTestSupport.findings(path, as: .audio)
        #expect(findings.severity(of: .voiceNoteChannels) == .rejected)
        #expect(findings.first { $0.code == .voiceNoteChannels }?.message.contains("mono input only") == true)
        var relaxed = MediaProfile.whatsappCloud
        relaxed.audio.oggMonoOnly = false
        let inspection = try AVTestSupport.inspect(path)
        let relaxedFindings = AVRules.findings(for: inspection, as: .audio, profile: relaxed)
        #expect(relaxedFindings.severity(of: .voiceNoteChannels) == .warning)
        // Without ffmpeg nothing downmixes it.
        let report = concluded(inspection, as: .audio, ffmpeg: .none)
        #expect(report.verdict == .rejected)
        #expect(report.findings.contains { $0.code == .ffmpegMissing })
    }

    @Test func twentyMegabyteMP4IsProbedAndOverTheLimit() async throws {
        let path = try await Self.make(
            "big.mp4",
            [
                "-f", "lavfi", "-i", "color=gray:s=640x480:r=25,noise=alls=100:allf=t", "-t", "3", "-c:v",
                "libx264",
                "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p",
            ])
        let inspection = try AVTestSupport.inspect(path)
        #expect(inspection.size > 20_000_000)
        // Without ffmpeg nothing makes it smaller; with it, it is fitted (TranscodeTests).
        let report = concluded(inspection, as: .video, ffmpeg: .none)
        #expect(report.verdict == .rejected)
        #expect(report.findings.first { $0.code == .tooLarge }?.severity == .rejected)
        let fitted = concluded(inspection, as: .video, ffmpeg: await FFmpegCapabilities.installed())
        #expect(fitted.findings.first { $0.code == .tooLarge }?.severity == .fixable)
        #expect(fitted.plannedSteps.first?.contains("to H.264") == true, "\(fitted.plannedSteps)")
        let av = try #require(inspection.av)
        #expect(av.videoTracks.first?.codec == "h264")
        #expect(av.videoTracks.first?.width == 640)
        try await Self.expectDurationMatchesFFprobe(path, av)
    }

    @Test func truncatedMP4sAreMalformed() async throws {
        let path = try await Self.make(
            "cut.mp4", Self.video + Self.tone + ["-t", "2"] + Self.safeH264 + ["-c:a", "aac"])
        let faststart = try await Self.make(
            "cut-faststart.mp4",
            Self.video + Self.tone + ["-t", "2"] + Self.safeH264 + [
                "-c:a", "aac", "-movflags", "+faststart",
            ])
        for file in [path, faststart] {
            let handle = try #require(FileHandle(forUpdatingAtPath: file))
            try handle.truncate(atOffset: handle.seekToEnd() * 7 / 10)
            try handle.close()
            let findings = try AVTestSupport.findings(file, as: .video)
            #expect(findings.severity(of: .malformedContainer) == .rejected, "\(file): \(findings)")
            #expect(throws: WabaMediaError.self) {
                try ContainerRewriter.rewrite(input: file, output: file + ".out.mp4")
            }
        }
    }
}

/// The container rewriter on generated files, checked with ffprobe and a full decode.
@Suite(.enabled(if: AVTestSupport.ffmpegTestsRun, "needs ffmpeg and ffprobe on PATH"))
struct ContainerRewriterTests {
    static func streams(_ path: String, type: String) async throws -> [[String: Any]] {
        try await AVTestSupport.ffprobeStreams(path).filter { $0["codec_type"] as? String == type }
    }

    @Test func moovAtTheEndIsMovedToTheFront() async throws {
        let input = try await AVGeneratedTests.make(
            "late.mp4",
            AVGeneratedTests.video + AVGeneratedTests.tone + ["-t", "2"] + AVGeneratedTests.safeH264 + [
                "-c:a", "aac",
            ])
        let before = try #require(try AVTestSupport.inspect(input).av)
        #expect(before.faststart == false)
        try await AVGeneratedTests.expectDurationMatchesFFprobe(input, before)
        #expect(ContainerRewriter.plan(for: before).isNeeded)

        let output = input + ".fixed.mp4"
        let result = try ContainerRewriter.rewrite(input: input, output: output)
        #expect(result.actions == [.faststart, .dropMetadata], "ffmpeg tags its files with its name, in udta")
        #expect(result.outputMIME == "video/mp4")
        let size = try FileManager.default.attributesOfItem(atPath: output)[.size] as? Int
        #expect(result.bytesWritten == size)

        let after = try AVTestSupport.inspect(output)
        #expect(after.av?.faststart == true)
        #expect(after.av?.durationSeconds == before.durationSeconds)
        #expect(AVRules.findings(for: after, as: .video, profile: .whatsappCloud).isEmpty)
        #expect(try await AVTestSupport.decodeErrors(output) == "")
        let framesBefore = try await Self.streams(input, type: "video").first?["nb_frames"] as? String
        let framesAfter = try await Self.streams(output, type: "video").first?["nb_frames"] as? String
        #expect(framesBefore != nil && framesBefore == framesAfter)
        #expect(!ContainerRewriter.plan(for: try #require(after.av)).isNeeded)
    }

    @Test func twoAudioStreamsBecomeOne() async throws {
        let input = try await AVGeneratedTests.make(
            "two-audio.mp4",
            AVGeneratedTests.video + AVGeneratedTests.tone + [
                "-f", "lavfi", "-i", "sine=frequency=880:sample_rate=22050",
            ]
                + ["-t", "1.5", "-map", "0:v", "-map", "1:a", "-map", "2:a"] + AVGeneratedTests.safeH264
                + ["-c:a", "aac", "-movflags", "+faststart"])
        let inspection = try AVTestSupport.inspect(input)
        #expect(inspection.av?.audioTracks.count == 2)
        let findings = AVRules.findings(for: inspection, as: .video, profile: .whatsappCloud)
        #expect(findings.severity(of: .tooManyAudioStreams) == .fixable)
        #expect(AVTestSupport.verdict(findings) == .fixable)

        let first = input + ".first.mp4"
        let result = try ContainerRewriter.rewrite(input: input, output: first)
        #expect(result.actions == [.keepOneAudioTrack, .dropMetadata], "ffmpeg tags its files with its name, in udta")
        #expect(result.droppedTracks.map(\.kind) == [.audio])
        #expect(try await Self.streams(first, type: "audio").count == 1)
        #expect(try await Self.streams(first, type: "audio").first?["sample_rate"] as? String == "44100")
        #expect(try await AVTestSupport.decodeErrors(first) == "")
        let after = try AVTestSupport.inspect(first)
        #expect(AVRules.findings(for: after, as: .video, profile: .whatsappCloud).isEmpty)

        let second = input + ".second.mp4"
        try ContainerRewriter.rewrite(input: input, output: second, options: .init(audioTrack: 1))
        #expect(try await Self.streams(second, type: "audio").first?["sample_rate"] as? String == "22050")
        #expect(try await AVTestSupport.decodeErrors(second) == "")

        #expect(throws: WabaMediaError.self) {
            try ContainerRewriter.rewrite(
                input: input, output: input + ".none.mp4", options: .init(audioTrack: 2))
        }
    }

    @Test func rotatedQuickTimeMovieBecomesMP4KeepingItsRotation() async throws {
        let source = try await AVGeneratedTests.make(
            "source.mp4",
            AVGeneratedTests.video + AVGeneratedTests.tone + ["-t", "1.2"] + AVGeneratedTests.safeH264 + [
                "-c:a", "aac",
            ])
        // As an iPhone records portrait video: a QuickTime movie with a timecode track and a matrix that
        // turns the picture 90° clockwise (ffmpeg 5.1 applies the rotate tag when copying streams,
        // and counts it counterclockwise).
        let input = source + ".MOV"
        try await AVTestSupport.ffmpeg([
            "-i", source, "-c", "copy", "-metadata:s:v:0", "rotate=270", "-timecode", "00:00:00:00", "-f",
            "mov", input,
        ])
        let counterclockwise = try await Self.ffprobeRotation(input)
        #expect(counterclockwise == -90)
        let inspection = try AVTestSupport.inspect(input)
        #expect(inspection.mime == "video/quicktime")
        let av = try #require(inspection.av)
        #expect(av.container == .quicktime)
        #expect(av.videoTracks.first?.rotation == 90)
        #expect(av.tracks.contains { $0.kind == .timecode })
        try await AVGeneratedTests.expectDurationMatchesFFprobe(input, av)
        let findings = AVRules.findings(for: inspection, as: .video, profile: .whatsappCloud)
        #expect(findings.severity(of: .notFaststart) == .fixable, "\(findings)")
        #expect(!findings.contains { $0.severity == .rejected }, "\(findings)")
        let report = MediaValidator().validate(inspection, as: .video)
        #expect(report.verdict == .fixable, "\(report.findings)")
        #expect(
            Set(ContainerRewriter.plan(for: av).actions) == [
                .faststart, .quickTimeToMP4, .dropNonMediaTracks,
            ])

        let output = input + ".mp4"
        let result = try ContainerRewriter.rewrite(input: input, output: output)
        #expect(result.outputMIME == "video/mp4")
        #expect(result.droppedTracks.map(\.kind) == [.timecode])
        let probe = try await AVTestSupport.ffprobe(output)
        let tags = (probe["format"] as? [String: Any])?["tags"] as? [String: Any]
        #expect(tags?["major_brand"] as? String == "isom")
        let streams = probe["streams"] as? [[String: Any]] ?? []
        #expect(streams.map { $0["codec_type"] as? String } == ["video", "audio"])
        #expect(try await Self.ffprobeRotation(output) == counterclockwise)
        #expect(try await AVTestSupport.decodeErrors(output) == "")

        let after = try AVTestSupport.inspect(output)
        #expect(after.mime == "video/mp4")
        #expect(after.av?.container == .mp4)
        #expect(after.av?.videoTracks.first?.rotation == 90)
        #expect(after.av?.audioTracks.first?.channels == 1)
        #expect(after.av?.audioTracks.first?.sampleRate == 44_100)
        #expect(AVRules.findings(for: after, as: .video, profile: .whatsappCloud).isEmpty)
    }

    /// ffprobe's display-matrix rotation of the first video stream (counterclockwise degrees).
    static func ffprobeRotation(_ path: String) async throws -> Int? {
        let video = try await streams(path, type: "video").first
        let sideData = video?["side_data_list"] as? [[String: Any]] ?? []
        return sideData.compactMap { $0["rotation"] as? Int }.first
    }

    @Test func theInputIsNeverOverwritten() async throws {
        let input = try await AVGeneratedTests.make(
            "same.mp4", AVGeneratedTests.video + ["-t", "0.5"] + AVGeneratedTests.safeH264)
        #expect(throws: WabaMediaError.self) {
            try ContainerRewriter.rewrite(input: input, output: input)
        }
        #expect(try await AVTestSupport.decodeErrors(input) == "")
    }
}
