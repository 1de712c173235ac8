import Foundation
import TestSupport
import Testing

@testable import WabaMedia

/// Every track of a container is read, up to ``AVProbe/maxTracks``; a file with more is refused,
/// never judged by the tracks read: a video track after many audio tracks once went unseen, and
/// the video was prepared as a voice note.
@Suite(.serialized, .enabled(if: AVTestSupport.ffmpegTestsRun, "needs ffmpeg and ffprobe on PATH"))
struct TrackLimitTests {
    /// A file of `audioTracks` short audio tracks (one tone mapped again and again), then one video track.
    static func manyTracks(_ name: String, audioTracks: Int, audioCodec: String) async throws -> String {
        try await AVGeneratedTests.make(
            name,
            [
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000", "-f", "lavfi", "-i",
                "testsrc=size=64x48:rate=5",
            ]
                + Array(repeating: ["-map", "0:a"], count: audioTracks).flatMap { $0 }
                + [
                    "-map", "1:v", "-t", "0.4", "-c:a", audioCodec, "-c:v", "libx264", "-profile:v", "main", "-bf", "0",
                    "-pix_fmt", "yuv420p",
                ])
    }

    @Test("a video track after 65 audio tracks is seen: the file is a video, not a voice note")
    func videoAfterManyAudioTracks() async throws {
        let path = try await Self.manyTracks("late-video.mkv", audioTracks: 65, audioCodec: "pcm_s16le")
        let inspection = try AVTestSupport.inspect(path)
        let av = try #require(inspection.av)
        #expect(av.audioTracks.count == 65)
        #expect(av.videoTracks.count == 1)
        #expect(av.trackListUnread == nil)
        let report = try await MediaPreparer(executor: .tests).check(
            FileSource(path: path), as: nil, caption: nil, fileName: nil)
        #expect(report.mediaType == .video, "\(report.mediaType)")
        #expect(!report.findings.contains { $0.code == .tooManyTracks })
        #expect(report.transcodePlan?.outputExtension != "ogg")
    }

    @Test(
        "a file with more tracks than are read is refused, whatever it is sent as",
        arguments: [("many.mkv", "pcm_s16le"), ("many.mp4", "aac")])
    func tooManyTracks(name: String, audioCodec: String) async throws {
        let path = try await Self.manyTracks(name, audioTracks: AVProbe.maxTracks, audioCodec: audioCodec)
        let av = try #require(try AVTestSupport.inspect(path).av)
        #expect(av.tracks.count == AVProbe.maxTracks)
        let unread = try #require(av.trackListUnread)
        #expect(unread.contains("\(AVProbe.maxTracks + 1) tracks"), "\(unread)")
        let preparer = try MediaPreparer(executor: .tests)
        for type in [nil, MediaType.video, .audio] {
            let report = try await preparer.check(FileSource(path: path), as: type, caption: nil, fileName: nil)
            #expect(report.verdict == .rejected)
            let finding = try #require(report.findings.first { $0.code == .tooManyTracks })
            #expect(finding.severity == .rejected)
            #expect(finding.message.contains("more than the \(AVProbe.maxTracks)"), "\(finding.message)")
            #expect(report.transcodePlan == nil)
        }
        let rejection = await #expect(throws: WabaMediaError.self) {
            try await preparer.withPreparedMedia(at: path) { (_: PreparedMedia) async in }
        }
        #expect(rejection?.code == .rejected)
    }
}
