import Synchronization

/// Proof that an audio or video file the preparation wrote plays: ffmpeg reads it whole and decodes
/// every audio and video stream to nothing, and what it decoded lasts about as long as the file says.
///
/// The preparation's own re-inspection reads the structure; this reads the data. It catches what a
/// structure cannot tell: an Ogg with headers and no audio packet, a faststart rewrite of samples
/// that were never in the file, an encode that stopped early.
struct DecodeProof: Sendable {
    let ffmpeg: FFmpeg

    /// Decodes `path` and returns the seconds decoded.
    ///
    /// - Parameters:
    ///   - subject: the user's file the output was made from, named in errors instead of the
    ///     temporary file.
    ///   - expectedSeconds: how long the file says it plays; the decode must reach it within
    ///     ``tolerance(for:)``.
    /// - Throws: ``WabaMediaError`` `transform-failed` naming `subject` when ffmpeg cannot read the
    ///   file, decodes nothing, or decodes noticeably less than `expectedSeconds`;
    ///   `CancellationError` when the task is cancelled.
    func decodedSeconds(of path: String, subject: String, expectedSeconds: Double?) async throws -> Double {
        let decoded = Maximum()
        do {
            try await ffmpeg.run(
                [
                    "-xerror", "-protocol_whitelist", "file", "-i", "file:" + path, "-map", "0:a?", "-map", "0:v?",
                    "-f", "null", "-",
                ],
                limits: .init(wallClock: Self.wallClock(forSeconds: expectedSeconds), fileBytes: 1 << 20),
                progress: { decoded.record($0) })
        } catch let error as WabaMediaError {
            throw WabaMediaError(
                .transformFailed,
                "what \(subject) was converted into does not play: "
                    + error.message.replacingOccurrences(of: "file:" + path, with: "the converted file"),
                hint: Self.hint, cause: error)
        }
        let seconds = decoded.value
        guard seconds > 0 else {
            throw WabaMediaError(
                .transformFailed, "what \(subject) was converted into holds no audio or video that plays",
                hint: Self.hint)
        }
        if let expectedSeconds, seconds < expectedSeconds - Self.tolerance(for: expectedSeconds) {
            throw WabaMediaError(
                .transformFailed,
                "what \(subject) was converted into plays \(Seconds(seconds)) of the \(Seconds(expectedSeconds)) it should",
                hint: Self.hint)
        }
        return seconds
    }

    /// Why ffmpeg cannot decode the input at `path`, which a transcode would read; nil when it decodes.
    /// Audio is decoded whole; a video's first ``inputVideoSeconds``, which is where a stub, a cut-off
    /// header or a codec ffmpeg lacks shows, without decoding a whole film to check it.
    ///
    /// - Parameter demuxer: the one the transcode opens the file with (``TranscodePlan/Input``).
    func inputProblem(at path: String, demuxer: String, mediaType: MediaType, expectedSeconds: Double?) async
        -> String?
    {
        let limit = mediaType == .video ? Self.inputVideoSeconds : nil
        let decoded = Maximum()
        do {
            try await ffmpeg.run(
                [
                    "-xerror", "-f", demuxer, "-protocol_whitelist", "file", "-i", "file:" + path, "-map", "0:a?",
                    "-map", "0:v?",
                ]
                    + (limit.map { ["-t", "\($0)"] } ?? []) + ["-f", "null", "-"],
                limits: .init(
                    wallClock: Self.wallClock(forSeconds: limit ?? expectedSeconds), fileBytes: 1 << 20),
                progress: { decoded.record($0) })
        } catch let error as WabaMediaError {
            return "ffmpeg cannot decode it: "
                + error.message.replacingOccurrences(of: "file:" + path, with: "the file")
        } catch {
            return nil
        }
        return decoded.value > 0 ? nil : "ffmpeg decodes no audio or video from it"
    }

    /// How much of a video input the check decodes.
    static let inputVideoSeconds = 10.0

    /// How much shorter than its stated duration a decode may end: a frame or two of rounding, and
    /// an encoder's priming samples.
    static func tolerance(for seconds: Double) -> Double { max(0.5, seconds * 0.02) }

    /// Decoding runs many times faster than playback; the limit only stops a decoder that hangs.
    static func wallClock(forSeconds seconds: Double?) -> Duration {
        .seconds(60 + Int(((seconds ?? 60) * 2).rounded(.up)))
    }

    static let hint = "the input may be damaged or hold almost no audio or video: export or download it again"

    /// The furthest point ffmpeg reported, from its progress reader's task.
    private final class Maximum: Sendable {
        private let seconds = Mutex(0.0)
        func record(_ value: Double) { seconds.withLock { $0 = max($0, value) } }
        var value: Double { seconds.withLock { $0 } }
    }
}
