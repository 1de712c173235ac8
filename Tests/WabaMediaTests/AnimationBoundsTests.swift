import Foundation
import TestSupport
import Testing

@testable import WabaMedia

/// GIFs written byte by byte: every frame a 1×1 image at its own place on the canvas, with the
/// delay its graphic control extension gives. A few kilobytes can ask for any number of frames
/// and any length.
enum GIFBytes {
    /// A GIF of `width`×`height` with `frames` frames of `delay` hundredths of a second.
    static func make(frames: Int, delay: Int, width: Int = 16, height: Int = 16) -> [UInt8] {
        func u16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
        var bytes = Array("GIF89a".utf8) + u16(width) + u16(height) + [0x80, 0, 0]
        bytes += [0, 0, 0, 255, 255, 255]  // a global table of two colours
        bytes += [0x21, 0xFF, 0x0B] + Array("NETSCAPE2.0".utf8) + [0x03, 0x01, 0x00, 0x00, 0x00]
        for index in 0..<frames {
            bytes += [0x21, 0xF9, 0x04, 0x00] + u16(delay) + [0x00, 0x00]
            let pixel = index % (width * height)
            bytes += [0x2C] + u16(pixel % width) + u16(pixel / width) + u16(1) + u16(1) + [0x00]
            // LZW with 2-bit codes: clear, the colour (alternating 0 and 1), end.
            bytes += [0x02, 0x02, index % 2 == 0 ? 0x44 : 0x4C, 0x01, 0x00]
        }
        return bytes + [0x3B]
    }

    static func write(_ bytes: [UInt8], named name: String) throws -> String {
        let path = try AVTestSupport.temporaryDirectory() + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// An animation's work is bounded by what it plays: its duration is the sum of its frame delays,
/// one longer than the profile allows is refused before ffmpeg runs, it is encoded at 30 frames per
/// second at most, and ffmpeg's time fence comes from that duration.
@Suite struct AnimationBoundsTests {
    @Test("a GIF of two frames of 655 s plays 21 min 50 s")
    func durationIsTheSumOfTheDelays() throws {
        let inspection = try AVTestSupport.inspect(
            try GIFBytes.write(GIFBytes.make(frames: 2, delay: 65_500), named: "long.gif"))
        let image = try #require(inspection.image)
        #expect(image.pages == 2)
        #expect(image.durationSeconds == 1_310)
    }

    @Test("a GIF longer than the profile's limit is refused by check and by prepare, in seconds")
    func longAnimationIsRefused() async throws {
        let path = try GIFBytes.write(GIFBytes.make(frames: 2, delay: 65_500), named: "long.gif")
        let started = ContinuousClock.now
        let preparer = try MediaPreparer(executor: .tests)
        let report = try await preparer.check(FileSource(path: path), as: .video, caption: nil, fileName: nil)
        #expect(report.verdict == .rejected)
        let finding = try #require(report.findings.first { $0.code == .animationTooLong })
        #expect(finding.severity == .rejected)
        #expect(finding.message.contains("21 min 50 s"), "\(finding.message)")
        #expect(finding.message.contains("60 s"), "\(finding.message)")
        #expect(finding.hint.contains("max_animation_seconds"))
        #expect(report.transcodePlan == nil)
        let rejection = await #expect(throws: WabaMediaError.self) {
            try await preparer.withPreparedMedia(at: path, as: .video) { (_: PreparedMedia) async in }
        }
        #expect(rejection?.code == .rejected)
        // Minutes of x264 before; seconds now, however busy the machine running the tests.
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    @Test("a profile may allow a longer animation, up to 1800 s")
    func limitComesFromTheProfile() throws {
        var profile = MediaProfile.whatsappCloud
        #expect(profile.video.maxAnimationSeconds == 60)
        profile.video.maxAnimationSeconds = 1_800
        let inspection = try AVTestSupport.inspect(
            try GIFBytes.write(GIFBytes.make(frames: 2, delay: 65_500), named: "long.gif"))
        let report = concluded(
            inspection, as: .video, profile: profile,
            ffmpeg: FFmpegCapabilities(FFmpeg(path: "/bin/false", encoders: EncoderName.all)))
        #expect(!report.findings.contains { $0.code == .animationTooLong })
        #expect(report.transcodePlan?.durationSeconds == 1_310)
    }

    @Test("every ffmpeg run of an animation is fenced by its own duration")
    func timeFenceFollowsTheDuration() throws {
        let ffmpeg = FFmpeg(path: "/bin/false", encoders: EncoderName.all)
        let options = TranscodeOptions(ffmpeg: .at(ffmpeg))
        func planned(_ inspection: Inspection) -> TranscodePlan? {
            concluded(inspection, as: .video, ffmpeg: FFmpegCapabilities(ffmpeg)).transcodePlan
        }
        let short = try AVTestSupport.inspect(
            try GIFBytes.write(GIFBytes.make(frames: 30, delay: 10), named: "short.gif"))
        let plan = try #require(planned(short))
        #expect(plan.durationSeconds == 3)
        // Two minutes, and twenty times the duration: not the 22 minutes of an unknown length.
        #expect(plan.wallClock(options) == .seconds(180))
        #expect(options.wallClock(forSeconds: nil) == .seconds(1_320))

        let longer = try AVTestSupport.inspect(
            try GIFBytes.write(GIFBytes.make(frames: 50, delay: 100), named: "50s.gif"))
        let longerPlan = try #require(planned(longer))
        #expect(longerPlan.wallClock(options) == .seconds(1_120))
    }

    @Test("a profile's max_animation_seconds is read, defaults to 60 and is bounded")
    func profileKey() throws {
        let text = try String(
            contentsOf: repositoryURL.appendingPathComponent("profiles/whatsapp-cloud.yaml"), encoding: .utf8)
        #expect(text.contains("max_animation_seconds: 60"))
        let raised = text.replacingOccurrences(of: "max_animation_seconds: 60", with: "max_animation_seconds: 300")
        #expect(try MediaProfile(yaml: raised, origin: "raised").video.maxAnimationSeconds == 300)
        let absent = text.replacingOccurrences(of: "max_animation_seconds: 60", with: "")
        #expect(try MediaProfile(yaml: absent, origin: "absent").video.maxAnimationSeconds == 60)
        let tooHigh = text.replacingOccurrences(of: "max_animation_seconds: 60", with: "max_animation_seconds: 7200")
        #expect(throws: WabaMediaError.self) { try MediaProfile(yaml: tooHigh, origin: "too-high") }
        #expect(try MediaProfile.load("whatsapp-conservative").video.maxAnimationSeconds == 60)
    }

    @Test("frames are counted past libvips' 4097, and a count that stopped says at least")
    func frameCounts() throws {
        let many = try AVTestSupport.inspect(
            try GIFBytes.write(GIFBytes.make(frames: 10_000, delay: 10), named: "many.gif"))
        let image = try #require(many.image)
        #expect(image.pages == 10_000)
        #expect(!image.pageCountIsLowerBound)
        let manyReport = concluded(many, as: .image)
        let animated = try #require(manyReport.findings.first { $0.code == .animated })
        #expect(animated.message.contains("with 10000 frames"), "\(animated.message)")
        #expect(manyReport.plannedSteps.contains("keep the first of 10000 frames"), "\(manyReport.plannedSteps)")

        let endless = try AVTestSupport.inspect(
            try GIFBytes.write(GIFBytes.make(frames: AnimationScan.maxFrames + 1, delay: 2), named: "endless.gif"))
        let capped = try #require(endless.image)
        #expect(capped.pages == AnimationScan.maxFrames)
        #expect(capped.pageCountIsLowerBound)
        let cappedReport = MediaValidator().validate(endless, as: .image)
        let cappedFinding = try #require(cappedReport.findings.first { $0.code == .animated })
        #expect(cappedFinding.message.contains("with at least 100000 frames"), "\(cappedFinding.message)")
        let asVideo = concluded(endless, as: .video)
        let tooLong = try #require(asVideo.findings.first { $0.code == .animationTooLong })
        #expect(tooLong.message.contains("at least 33 min 20 s (at least 100000 frames)"), "\(tooLong.message)")
    }
}

/// The same bounds through ffmpeg: a fast GIF comes out at 30 frames per second at most, as long as it plays.
@Suite(.serialized, .enabled(if: AVTestSupport.ffmpegTestsRun, "needs ffmpeg and ffprobe on PATH"))
struct AnimationFrameRateTests {
    @Test("a GIF of 50 frames per second becomes a video of at most 30, as long as the GIF")
    func fastGIFIsCapped() async throws {
        let input = try await AVGeneratedTests.make(
            "fast.gif", ["-f", "lavfi", "-i", "testsrc=size=64x48:rate=50", "-t", "3"])
        let image = try #require(try AVTestSupport.inspect(input).image)
        #expect(image.pages == 150)
        #expect(image.durationSeconds == 3)
        let outcome = try await TranscodeTests.prepare(input, as: .video)
        #expect(outcome.steps.contains("play 3.0 s at 30 frames per second"), "\(outcome.steps)")
        let video = try #require(try await TranscodeTests.stream(outcome.path, "video"))
        let rate = try #require(video["r_frame_rate"] as? String).split(separator: "/").compactMap { Double($0) }
        #expect(rate.count == 2 && rate[0] / rate[1] <= 30, "\(video["r_frame_rate"] ?? "")")
        let frames = try #require(Int(video["nb_frames"] as? String ?? ""))
        #expect(frames <= 90)
        let duration = try #require(try await AVTestSupport.ffprobeDuration(outcome.path))
        #expect(abs(duration - 3) <= 0.1, "\(duration) s")
    }

    @Test("a slow GIF keeps its own rate and its last frame's delay")
    func slowGIFKeepsItsLength() async throws {
        let input = try GIFBytes.write(GIFBytes.make(frames: 3, delay: 100), named: "slow.gif")
        let outcome = try await TranscodeTests.prepare(input, as: .video)
        let video = try #require(try await TranscodeTests.stream(outcome.path, "video"))
        #expect(video["r_frame_rate"] as? String == "1/1")
        let duration = try #require(try await AVTestSupport.ffprobeDuration(outcome.path))
        #expect(abs(duration - 3) <= 0.1, "\(duration) s")
    }
}
