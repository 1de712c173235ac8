import Foundation
import TestSupport
import Testing
import WabaEncoding

@testable import WabaMedia

/// A preparation throws one error type: a rejection and a failure differ by code, each carries the
/// report the preparation had made, and the error underneath is kept as its cause.
@Suite struct PreparationErrorTests {
    @Test("a JPEG cut in half is rejected with its report and blocking findings, the decoder's error as cause")
    func damagedImageIsRejectedWithItsCause() async throws {
        let folder = try makeTemporaryDirectory("wamedia-preparation-error")
        defer { try? FileManager.default.removeItem(at: folder) }
        let whole = folder.appendingPathComponent("whole.jpg").path
        let cut = folder.appendingPathComponent("cut.jpg").path
        try runTool("vips", ["black", whole + "[Q=90]", "640", "480", "--bands", "3"])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: whole))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))

        let error = await #expect(throws: WabaMediaError.self) {
            try await MediaPreparer(executor: .tests).withPreparedMedia(at: cut, as: .image) {
                (_: PreparedMedia) async in
                Issue.record("a cut JPEG was handed on")
            }
        }
        let rejection = try #require(error)
        #expect(rejection.code == .rejected)
        let report = try #require(rejection.report)
        #expect(report.inspection.file == cut)
        #expect(report.verdict == .rejected)
        #expect(rejection.blocking.map(\.code) == [.unreadable])
        #expect(rejection.blocking == report.rejections)
        #expect(rejection.message.hasPrefix("\(cut) cannot be sent as image: unreadable: "), "\(rejection.message)")
        #expect(rejection.hint == rejection.blocking.first?.hint)
        // The damage the decode found: the finding says it in words, the cause is the decoder's own error.
        let cause = try #require(rejection.cause as? WabaMediaError)
        #expect(cause.code == .unsupportedInput)
        #expect(rejection.blocking.first?.message == cause.message)
    }

    @Test("an option that does not fit the file fails with its own code and the report of the check")
    func failureKeepsItsCodeAndTheReport() async throws {
        let input = try await AVGeneratedTests.make(
            "two-audio-error.mp4",
            AVGeneratedTests.video + AVGeneratedTests.tone + [
                "-f", "lavfi", "-i", "sine=frequency=880:sample_rate=22050",
            ]
                + ["-t", "1", "-map", "0:v", "-map", "1:a", "-map", "2:a"] + AVGeneratedTests.safeH264
                + ["-c:a", "aac", "-movflags", "+faststart"])
        let preparer = try MediaPreparer(options: .init(container: .init(audioTrack: 5)), executor: .tests)
        let error = await #expect(throws: WabaMediaError.self) {
            try await preparer.withPreparedMedia(at: input, as: .video) { (_: PreparedMedia) async in
                Issue.record("a track that does not exist was kept")
            }
        }
        let failure = try #require(error)
        #expect(failure.code == .invalidArgument)
        #expect(failure.message.contains("no audio track 5"), "\(failure.message)")
        #expect(failure.blocking.isEmpty)
        let report = try #require(failure.report)
        #expect(report.inspection.file == input)
        #expect(report.verdict == .fixable)
    }

    @Test("wrapping keeps a foreign error as the cause and a WabaMediaError as it is; equality ignores the cause")
    func wrappingKeepsTheCause() throws {
        struct Underneath: Error, CustomStringConvertible {
            var description: String { "disk on fire" }
        }
        let wrapped = WabaMediaError.wrapping(Underneath(), about: "a.jpg", as: .ioError)
        #expect(wrapped.code == .ioError)
        #expect(wrapped.message == "a.jpg: disk on fire")
        #expect(wrapped.hint == nil)
        #expect(wrapped.cause is Underneath)

        let own = WabaMediaError(.sourceChanged, "a.jpg changed while read", hint: "send it again")
        #expect(WabaMediaError.wrapping(own, about: "a.jpg", as: .ioError) == own)

        var withCause = own
        withCause.cause = Underneath()
        #expect(withCause == own)
        #expect(Set([withCause, own]).count == 1)
        #expect("\(withCause)" == "a.jpg changed while read (send it again)")
    }

    @Test("an encoder's error, converted, is kept as the cause")
    func encoderErrorIsTheCause() throws {
        let folder = try makeTemporaryDirectory("wamedia-preparation-error")
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("absent.bin").path
        let encoderError = try #require(
            #expect(throws: Base64FileEncoder.Error.self) { try Base64FileEncoder(path: missing) })
        let cause = try #require(WabaMediaError(encoderError).cause as? Base64FileEncoder.Error)
        #expect(cause.code == encoderError.code)
        #expect(cause.message == encoderError.message)
    }
}
