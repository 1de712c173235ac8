import Foundation
import TestSupport
import Testing

@testable import WabaMedia

/// Probes and rules on the small committed fixtures: these run without ffmpeg.
@Suite struct AVProbeFixtureTests {
    @Test func h264AACMP4IsReadAndAccepted() throws {
        let path = AVTestSupport.fixture("h264-aac.mp4")
        let inspection = try AVTestSupport.inspect(path)
        let av = try #require(inspection.av)
        #expect(inspection.mime == "video/mp4")
        #expect(av.container == .mp4)
        #expect(av.faststart == true)
        #expect(av.problems.isEmpty)
        #expect(abs((av.durationSeconds ?? 0) - 0.5) < 0.1)
        let video = try #require(av.videoTracks.first)
        #expect(video.codec == "h264")
        #expect(video.codecTag == "avc1")
        #expect(video.width == 64 && video.height == 48)
        #expect(abs((video.frameRate ?? 0) - 10) < 0.01)
        #expect(video.h264Profile == "main")
        #expect(video.hasBFrames == false)
        let audio = try #require(av.audioTracks.first)
        #expect(audio.codec == "aac")
        #expect(audio.objectType == 0x40)
        #expect(audio.audioObjectType == 2)
        #expect(audio.channels == 1)
        #expect(audio.sampleRate == 8000)
        let findings = AVRules.findings(for: inspection, as: .video, profile: .whatsappCloud)
        #expect(findings.isEmpty, "\(findings)")
    }

    @Test func moovAtTheEndIsReadAndFixable() throws {
        let path = AVTestSupport.fixture("moov-at-end.mp4")
        let inspection = try AVTestSupport.inspect(path)
        let av = try #require(inspection.av)
        #expect(av.faststart == false)
        #expect(av.videoTracks.first?.codec == "h264")
        #expect(av.videoTracks.first?.h264Profile == "high")
        #expect(abs((av.durationSeconds ?? 0) - 0.5) < 0.1)
        // High profile with B-frames breaks Meta's rule: the validator rejects it, a re-encode in Main
        // without B-frames fixes it (MetaAVRulesTests).
        let findings = AVRules.findings(for: inspection, as: .video, profile: .whatsappCloud)
        #expect(findings.severity(of: .notFaststart) == .fixable)
        #expect(findings.severity(of: .h264Profile) == .rejected)
        #expect(findings.severity(of: .bFrames) == .rejected)
        #expect(AVTestSupport.verdict(findings) == .rejected)
        // A profile that relaxes the rule keeps them warnings: moving the index is all that is left.
        var relaxed = MediaProfile.whatsappCloud
        relaxed.video.h264WarnProfiles = ["high"]
        relaxed.video.h264RejectProfiles.removeAll { $0 == "high" }
        relaxed.video.fixesBFrames = false
        let relaxedFindings = AVRules.findings(for: inspection, as: .video, profile: relaxed)
        #expect(relaxedFindings.severity(of: .h264Profile) == .warning)
        #expect(relaxedFindings.severity(of: .bFrames) == .warning)
        #expect(AVTestSupport.verdict(relaxedFindings) == .fixable)
        #expect(ContainerRewriter.plan(for: av).actions == [.faststart])
        #expect(findings.first { $0.code == .notFaststart }?.hint.contains("+faststart") == true)
    }

    @Test func hevcIsRejectedWithTheCommandThatConvertsIt() throws {
        let findings = try AVTestSupport.findings(AVTestSupport.fixture("hevc.mp4"), as: .video)
        let codec = try #require(findings.first { $0.code == .videoCodec })
        #expect(codec.severity == .rejected)
        #expect(codec.message.contains("HEVC"))
        #expect(codec.hint.contains("ffmpeg -i hevc.mp4 -c:v libx264 -profile:v main"))
    }

    @Test func vp9WebMIsRejected() throws {
        let inspection = try AVTestSupport.inspect(AVTestSupport.fixture("vp9.webm"))
        let av = try #require(inspection.av)
        #expect(av.container == .webm)
        #expect(av.videoTracks.first?.codec == "vp9")
        #expect(av.videoTracks.first?.width == 64)
        #expect(abs((av.durationSeconds ?? 0) - 0.5) < 0.1)
        let findings = AVRules.findings(for: inspection, as: .video, profile: .whatsappCloud)
        #expect(findings.severity(of: .videoCodec) == .rejected)
    }

    /// Durations are ffprobe's for the same fixtures (ffprobe 5.1).
    @Test(arguments: [
        ("tone.mp3", AVInfo.Container.mp3, "mp3", "audio/mpeg", 0.648),
        ("tone.m4a", .m4a, "aac", "audio/mp4", 0.5),
        ("tone.amr", .amr, "amr_nb", "audio/amr", 0.5),
        ("voice.ogg", .ogg, "opus", "audio/ogg", 0.5065),
        ("tone.aac", .adts, "aac", "audio/aac", 0.64),
    ])
    func acceptedAudio(
        name: String, container: AVInfo.Container, codec: String, mime: MIMEType, ffprobeDuration: Double
    )
        throws
    {
        let inspection = try AVTestSupport.inspect(AVTestSupport.fixture(name))
        let av = try #require(inspection.av)
        #expect(inspection.mime == mime)
        #expect(av.container == container)
        #expect(av.tracks.map(\.codec) == [codec])
        #expect(av.problems.isEmpty, "\(av.problems)")
        #expect(
            abs((av.durationSeconds ?? 0) - ffprobeDuration) < 0.1,
            "duration \(String(describing: av.durationSeconds))")
        let findings = AVRules.findings(for: inspection, as: .audio, profile: .whatsappCloud)
        #expect(AVTestSupport.verdict(findings) == .ok, "\(findings)")
    }

    @Test func vorbisInOGGIsRejected() throws {
        let inspection = try AVTestSupport.inspect(AVTestSupport.fixture("vorbis.ogg"))
        #expect(inspection.av?.tracks.first?.codec == "vorbis")
        #expect(inspection.av?.tracks.first?.sampleRate == 22_050)
        let findings = AVRules.findings(for: inspection, as: .audio, profile: .whatsappCloud)
        let codec = try #require(findings.first { $0.code == .audioCodec })
        #expect(codec.severity == .rejected)
        #expect(codec.hint.contains("libopus"))
    }

    @Test func wavIsRejected() throws {
        let inspection = try AVTestSupport.inspect(AVTestSupport.fixture("tone.wav"))
        let av = try #require(inspection.av)
        #expect(av.container == .wav)
        #expect(av.tracks.first?.codec == "pcm_s16le")
        #expect(abs((av.durationSeconds ?? 0) - 0.2) < 0.01)
        let findings = AVRules.findings(for: inspection, as: .audio, profile: .whatsappCloud)
        #expect(findings.severity(of: .container) == .rejected)
    }

    @Test func opusVoiceNoteOverTheSizeDrawsAWarning() throws {
        var inspection = try AVTestSupport.inspect(AVTestSupport.fixture("voice.ogg"))
        inspection.size = 600_000
        let findings = AVRules.findings(for: inspection, as: .audio, profile: .whatsappCloud)
        #expect(findings.severity(of: .voiceNoteSize) == .warning)
        #expect(AVTestSupport.verdict(findings) == .ok)
    }

    @Test func aPartialSourceThatEndsBeforeTheMoovSaysSo() throws {
        let bytes = try [UInt8](
            Data(contentsOf: URL(fileURLWithPath: AVTestSupport.fixture("moov-at-end.mp4"))))
        let partial = MemorySource(Array(bytes.prefix(64)), totalSize: bytes.count)
        #expect(throws: WabaMediaError.self) { _ = try AVProbe.probe(partial, mime: "video/mp4") }
        // A complete copy in memory reads the same as the file.
        let whole = try #require(try AVProbe.probe(MemorySource(bytes), mime: "video/mp4"))
        #expect(whole.videoTracks.first?.codec == "h264")
    }

    @Test(arguments: [
        "h264-aac.mp4", "moov-at-end.mp4", "voice.ogg", "vorbis.ogg", "vp9.webm", "tone.mp3",
        "tone.aac", "tone.amr", "tone.wav",
    ])
    func truncatedFilesGiveProblemsNotCrashes(name: String) throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: AVTestSupport.fixture(name))))
        let mime = try AVTestSupport.detector.detect(bytes: bytes).mime
        for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)) {
            _ = try AVProbe.probe(MemorySource(Array(bytes.prefix(length))), mime: mime)
        }
        let half = Array(bytes.prefix(bytes.count / 2))
        if let info = try AVProbe.probe(MemorySource(half), mime: mime), name != "tone.mp3" {
            #expect(!info.problems.isEmpty, "a file cut in half reads as intact")
        }
    }

    @Test(arguments: [
        "h264-aac.mp4", "moov-at-end.mp4", "voice.ogg", "vp9.webm", "tone.m4a", "hevc.mp4", "tone.amr",
    ])
    func corruptedFilesGiveFindingsNotCrashes(name: String) throws {
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: AVTestSupport.fixture(name))))
        let mime = try AVTestSupport.detector.detect(bytes: original).mime
        var generator = SplitMix(seed: UInt64(original.count))
        for _ in 0..<300 {
            var bytes = original
            for _ in 0..<Int(generator.next() % 8 + 1) {
                let index = Int(generator.next() % UInt64(bytes.count))
                bytes[index] = UInt8(truncatingIfNeeded: generator.next())
            }
            _ = try AVProbe.probe(MemorySource(bytes), mime: mime)
        }
    }

    @Test func aBrokenBoxInTheMovieIndexIsAFinding() throws {
        let path = AVTestSupport.fixture("h264-aac.mp4")
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let moov = try #require(bytes.firstRange(of: Array("trak".utf8))).lowerBound - 4
        bytes.replaceSubrange(moov..<(moov + 4), with: [0x7F, 0xFF, 0xFF, 0xFF])
        let directory = try AVTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let damaged = directory + "/damaged.mp4"
        try Data(bytes).write(to: URL(fileURLWithPath: damaged))
        let findings = try AVTestSupport.findings(damaged, as: .video)
        #expect(findings.severity(of: .malformedContainer) == .rejected)
    }

    @Test func jsonKeysAreSnakeCase() throws {
        let inspection = try AVTestSupport.inspect(AVTestSupport.fixture("h264-aac.mp4"))
        let json = String(decoding: try JSONEncoder().encode(inspection.av), as: UTF8.self)
        for key in [
            "duration_seconds", "frame_rate", "sample_rate", "h264_profile", "has_b_frames",
            "refined_mime",
        ] {
            #expect(json.contains("\"\(key)\""), "missing \(key)")
        }
        let decoded = try JSONDecoder().decode(AVInfo.self, from: Data(json.utf8))
        #expect(decoded == inspection.av)
    }
}

/// A small deterministic generator, so a failing corruption case can be replayed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
