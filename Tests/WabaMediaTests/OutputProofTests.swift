import Foundation
import TestSupport
import Testing

@testable import WabaMedia

/// What goes out is proven: audio and video the preparation wrote are decoded whole before they are
/// handed on, and files whose data cannot play are refused by the check and the preparation alike.
@Suite(
    "What goes out is proven", .enabled(if: AVTestSupport.ffmpegTestsRun, "needs ffmpeg and ffprobe"))
struct OutputProofTests {
    /// Two milliseconds of a WAV: libopus encodes it to an Ogg with headers and no audio packet.
    static func twoMillisecondWAV(in folder: String) async throws -> String {
        let path = folder + "/blip.wav"
        try await AVTestSupport.ffmpeg(["-f", "lavfi", "-i", "sine=d=0.002:r=8000", "-c:a", "pcm_s16le", path])
        return path
    }

    /// The first MPEG audio frame of an MP3, and nothing after it.
    static func oneFrameMP3(in folder: String) async throws -> String {
        let whole = folder + "/whole.mp3"
        try await AVTestSupport.ffmpeg([
            "-f", "lavfi", "-i", "sine=d=0.5", "-c:a", "libmp3lame", "-b:a", "128k", "-write_xing", "0",
            "-id3v2_version", "0", whole,
        ])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: whole))
        // 128 kbit/s at 44.1 kHz: 417 bytes a frame (418 with padding, which the first has not).
        #expect(bytes.prefix(2) == Data([0xFF, 0xFB]), "the MP3 starts with a frame")
        let path = folder + "/one-frame.mp3"
        try bytes.prefix(417).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// An M4A whose media data box was emptied: the index points at samples that are not there.
    static func m4aWithoutItsSamples(in folder: String) async throws -> String {
        let whole = folder + "/whole.m4a"
        try await AVTestSupport.ffmpeg([
            "-f", "lavfi", "-i", "sine=d=2", "-c:a", "aac", "-movflags", "+faststart", whole,
        ])
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: whole)))
        let mdat = try #require(bytes.firstRange(of: Array("mdat".utf8))).lowerBound - 4
        let size =
            Int(bytes[mdat]) << 24 | Int(bytes[mdat + 1]) << 16 | Int(bytes[mdat + 2]) << 8 | Int(bytes[mdat + 3])
        bytes.replaceSubrange(mdat..<(mdat + size), with: [0, 0, 0, 8] + Array("mdat".utf8))
        let path = folder + "/no-samples.m4a"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func rejection(preparing path: String) async throws -> WabaMediaError? {
        let preparer = try MediaPreparer(executor: .tests)
        do {
            try await preparer.withPreparedMedia(at: path) { (media: PreparedMedia) async in
                Issue.record("prepared \(path) as \(media.steps)")
            }
            return nil
        } catch let error as WabaMediaError {
            return error
        }
    }

    @Test("a few milliseconds of audio are refused by check and by prepare, as too short to hear")
    func audioTooShortToHear() async throws {
        let path = try await Self.twoMillisecondWAV(in: try AVTestSupport.temporaryDirectory())
        let report = try MediaChecker(profile: .whatsappCloud).check(path: path)
        #expect(report.verdict == .rejected)
        #expect(report.findings.contains { $0.code == .tooShort && $0.severity == .rejected })
        let error = try #require(try await rejection(preparing: path))
        #expect(error.code == .rejected)
        #expect(error.blocking.contains { $0.code == .tooShort })
    }

    @Test("an MP3 of one frame, which no decoder plays, is refused by check and by prepare")
    func oneFrameMP3IsRefused() async throws {
        let path = try await Self.oneFrameMP3(in: try AVTestSupport.temporaryDirectory())
        #expect(try await AVTestSupport.decodeErrors(path).isEmpty == false, "ffmpeg itself cannot decode it")
        let report = try MediaChecker(profile: .whatsappCloud).check(path: path)
        let finding = try #require(report.findings.first { $0.code == .malformedContainer })
        #expect(finding.severity == .rejected)
        #expect(finding.message.contains("one MPEG audio frame"), "\(finding.message)")
        let error = try #require(try await rejection(preparing: path))
        #expect(error.blocking.contains { $0.code == .malformedContainer })
    }

    @Test("an MP3 of two frames is still sendable: the rule is about a lone frame")
    func twoFrameMP3IsKept() async throws {
        let folder = try AVTestSupport.temporaryDirectory()
        let one = try await Self.oneFrameMP3(in: folder)
        let whole = try Data(contentsOf: URL(fileURLWithPath: folder + "/whole.mp3"))
        let path = folder + "/two-frames.mp3"
        try whole.prefix(417 + 418).write(to: URL(fileURLWithPath: path))
        #expect(FileManager.default.fileExists(atPath: one))
        let report = try MediaChecker(profile: .whatsappCloud).check(path: path)
        #expect(!report.findings.contains { $0.code == .malformedContainer }, "\(report.findings)")
    }

    @Test("an M4A whose samples are not in its media data is refused, not rewritten into an empty file")
    func m4aWithoutSamplesIsRefused() async throws {
        let path = try await Self.m4aWithoutItsSamples(in: try AVTestSupport.temporaryDirectory())
        let report = try MediaChecker(profile: .whatsappCloud).check(path: path)
        let finding = try #require(report.findings.first { $0.code == .malformedContainer })
        #expect(finding.message.contains("outside the media data"), "\(finding.message)")
        #expect(report.verdict == .rejected)
        let error = try #require(try await rejection(preparing: path))
        #expect(error.code == .rejected)
    }

    @Test("the decode proof measures what plays, and refuses an Ogg with headers and no audio, naming the input")
    func decodeProofOfAWrittenFile() async throws {
        let folder = try AVTestSupport.temporaryDirectory()
        let ffmpeg = try #require(FFmpeg.installed)
        let voice = folder + "/voice.ogg"
        try await AVTestSupport.ffmpeg(["-f", "lavfi", "-i", "sine=d=3", "-ac", "1", "-c:a", "libopus", voice])
        let proof = DecodeProof(ffmpeg: ffmpeg)
        let seconds = try await proof.decodedSeconds(of: voice, subject: "memo.wav", expectedSeconds: 3)
        #expect(abs(seconds - 3) < 0.1, "decoded \(seconds) s")

        // The Ogg's two header pages alone: a file that probes as Opus and holds nothing to play.
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: voice)))
        var pages: [Int] = []
        var at = 0
        while let found = bytes[at...].firstRange(of: Array("OggS".utf8)), pages.count < 3 {
            pages.append(found.lowerBound)
            at = found.upperBound
        }
        let headersOnly = folder + "/headers-only.ogg"
        try Data(bytes[..<pages[2]]).write(to: URL(fileURLWithPath: headersOnly))
        await #expect(throws: WabaMediaError.self) {
            try await proof.decodedSeconds(of: headersOnly, subject: "memo.wav", expectedSeconds: nil)
        }
        do {
            _ = try await proof.decodedSeconds(of: headersOnly, subject: "memo.wav", expectedSeconds: nil)
        } catch let error as WabaMediaError {
            #expect(error.code == .transformFailed)
            #expect(error.message.contains("memo.wav"), "\(error.message)")
            #expect(!error.message.contains(headersOnly), "\(error.message)")
        }

        // A file that plays for less than it says is refused too.
        await #expect(throws: WabaMediaError.self) {
            try await proof.decodedSeconds(of: voice, subject: "memo.wav", expectedSeconds: 10)
        }
    }

    @Test("a FLAC cut short after its headers: the check decodes it and refuses it; prepare's error names the input")
    func stubFLAC() async throws {
        let folder = try AVTestSupport.temporaryDirectory()
        let whole = folder + "/whole.flac"
        try await AVTestSupport.ffmpeg(["-f", "lavfi", "-i", "sine=d=1", "-c:a", "flac", whole])
        let path = folder + "/stub.flac"
        try Data(try Data(contentsOf: URL(fileURLWithPath: whole)).prefix(200)).write(to: URL(fileURLWithPath: path))

        var checker = try MediaChecker(profile: .whatsappCloud)
        checker.ffmpegLookup = { await FFmpegCapabilities.installed() }
        let inspection = try checker.inspector.inspect(path: path)
        let report = await checker.judge(inspection, as: .audio)
        #expect(report.verdict == .rejected)
        let finding = try #require(report.findings.first { $0.code == .unreadable })
        #expect(finding.message.contains("ffmpeg cannot decode it"), "\(finding.message)")
        // The intact FLAC is still fixable: transcoded.
        let intact = await checker.judge(try checker.inspector.inspect(path: whole), as: .audio)
        #expect(intact.verdict == .fixable, "\(intact.findings)")

        let error = try #require(try await rejection(preparing: path))
        #expect(error.message.contains(path), "\(error.message)")
        #expect(!error.message.contains("/proc/"), "\(error.message)")
    }

    @Test("an AVIF whose mirror is not marked essential is refused from its structure, by check and prepare, every run")
    func nonEssentialTransformationIsRefused() async throws {
        let folder = try AVTestSupport.temporaryDirectory()
        let intact = folder + "/logo.avif"
        _ = try runTool("vips", ["copy", samplesURL.appendingPathComponent("logo.png").path, intact])
        // The pixel-information property (`pixi`) named `imir`, and every property association
        // (`ipma`, version 0, 8-bit indices) marked non-essential: a mirror a reader may skip.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: intact)))
        let pixi = try #require(bytes.firstRange(of: Array("pixi".utf8)))
        bytes.replaceSubrange(pixi, with: Array("imir".utf8))
        let ipma = try #require(bytes.firstRange(of: Array("ipma".utf8))).upperBound
        #expect(bytes[ipma..<(ipma + 4)].allSatisfy { $0 == 0 }, "version 0 without wide indices")
        var at = ipma + 8
        for _ in 0..<(Int(bytes[ipma + 6]) << 8 | Int(bytes[ipma + 7])) {
            let count = Int(bytes[at + 2])
            for association in (at + 3)..<(at + 3 + count) { bytes[association] &= 0x7F }
            at += 3 + count
        }
        let mirrored = folder + "/mirrored.avif"
        try Data(bytes).write(to: URL(fileURLWithPath: mirrored))

        let checker = try MediaChecker(profile: .whatsappCloud)
        #expect(checker.check(path: intact, as: .image).verdict == .fixable)
        for _ in 1...3 {
            let report = checker.check(path: mirrored, as: .image)
            let finding = try #require(report.findings.first { $0.code == .unreadable })
            #expect(finding.message.contains("'imir' transformation is not marked essential"), "\(finding.message)")
            let error = try #require(try await rejection(preparing: mirrored))
            #expect(error.blocking.contains { $0.code == .unreadable }, "\(error)")
        }
    }
}
