import Foundation

/// An animation's frames decoded by libvips and written as raw RGB video for ffmpeg to encode:
/// Debian's ffmpeg 5.1 cannot decode animated WebP. A frame shown for several ticks of the
/// constant frame rate is written that many times, so every frame keeps its delay.
enum AnimationFrames {
    /// Raw RGB video, as ffmpeg reads it with ``inputArguments``.
    struct RawVideo: Sendable, Hashable {
        var width: Int
        var height: Int
        /// The constant rate the frames are written at.
        var rate: AnimationTiming.FrameRate
        /// Frames written (the animation's frames, each repeated for its delay).
        var frames: Int

        /// ffmpeg's options for reading the file.
        var inputArguments: [String] {
            ["-f", "rawvideo", "-pix_fmt", "rgb24", "-video_size", "\(width)x\(height)", "-framerate", "\(rate)"]
        }
    }

    /// The most the raw frames may take on disk; a longer or larger animation is refused.
    static let maximumBytes = 2 << 30

    /// The constant rate (one tick per common delay, 1 to 30 frames per second) and how many ticks
    /// each frame is shown (``AnimationTiming/repeats(shown:rate:)``). A delay of 10 ms or less,
    /// or none, is shown for 100 ms, as browsers do.
    static func timing(delays: [Int], frames: Int) -> (rate: AnimationTiming.FrameRate, repeats: [Int]) {
        let shown = (0..<frames).map { index in
            AnimationTiming.shownMilliseconds(index < delays.count ? delays[index] : 0)
        }
        let common = shown.reduce(0) { AnimationTiming.greatestCommonDivisor($0, $1) }
        let rate = AnimationTiming.frameRate(commonDelay: common)
        return (rate, AnimationTiming.repeats(shown: shown, rate: rate))
    }

    /// Decodes the animation in `source` (of type `mime`) and writes its frames to `path`, on
    /// `executor`'s threads, a frame at a time: a cancelled task stops between two frames.
    static func writeRaw(from source: FileSource, mime: MIMEType, to path: String, on executor: BlockingExecutor)
        async throws -> RawVideo
    {
        let (strip, frameHeight, frames, delays) = try await executor.run {
            let loader = try ImageInfo.loader(for: mime)
            do {
                return try VipsImage.animation(path: source.reopenablePath, owner: source, loader: loader)
            } catch let failure as VipsFailure {
                throw WabaMediaError(
                    .transformFailed, "cannot decode the animation: \(failure.reason)",
                    hint: "the file may be damaged: export it again")
            }
        }
        let width = strip.shape.width
        let (rate, repeats) = timing(delays: delays, frames: frames)
        let written = repeats.reduce(0, +)
        let bytes = width * frameHeight * 3 * written
        guard bytes <= maximumBytes else {
            throw WabaMediaError(
                .transformFailed,
                "the animation is too large to convert: \(frames) frames of \(width)×\(frameHeight) shown for "
                    + "\(Seconds(Double(written) / rate.framesPerSecond)) would take \(ByteCount(bytes)) as raw frames",
                hint: "make it shorter or smaller, or convert it to MP4 with another tool")
        }
        let descriptor = try await executor.run {
            let descriptor = FileSystemPath.withBytes(of: path) {
                open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            }
            guard descriptor >= 0 else {
                throw WabaMediaError(.ioError, "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            return descriptor
        }
        defer { close(descriptor) }
        for (index, times) in repeats.enumerated() where times > 0 {
            try await executor.run {
                do {
                    try strip.writeRows(from: index * frameHeight, count: frameHeight, times: times, to: descriptor)
                } catch let failure as VipsFailure {
                    throw WabaMediaError(
                        .transformFailed, "cannot \(failure.operation): \(failure.reason)",
                        hint: "the file may be damaged: export it again")
                }
            }
        }
        return RawVideo(width: width, height: frameHeight, rate: rate, frames: written)
    }
}
