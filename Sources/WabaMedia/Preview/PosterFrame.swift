import Foundation

/// A still of a video for the pages people look at (the HTML report, the sandbox's inbox): one
/// frame about a second in, scaled to fit a square of ``defaultLongEdge`` pixels, as a small JPEG.
///
/// One ffmpeg run makes it, fenced like every other run (time, memory, file size) and allowed to
/// open files only. A second, from the first frame, follows when the first finds nothing (a seek
/// past the last frame, a damaged picture there). A video that yields no frame in time gets no
/// poster: the page says why instead, and nothing else about it changes.
public struct PosterFrame: Sendable, Hashable {
    /// The JPEG's bytes.
    public var jpeg: [UInt8]

    public init(jpeg: [UInt8]) {
        self.jpeg = jpeg
    }

    /// The JPEG as a `data:` URI, for an `<img>` or a `<video poster>` of a page that fetches nothing.
    public var dataURI: String { "data:image/jpeg;base64," + Data(jpeg).base64EncodedString() }

    /// The long edge of a poster, in pixels: the size of the report's image thumbnails.
    public static let defaultLongEdge = 160
    /// How long making one poster may take, both runs together: a bound for a file ffmpeg hangs on,
    /// generous for a machine busy with other work (a poster takes a fraction of a second alone).
    public static let defaultTimeLimit: Duration = .seconds(60)
    /// ffmpeg's JPEG quantiser scale (2 best … 31 worst): 8 keeps a 160 px poster near 3 kB, as
    /// ``ReportThumbnail``'s quality 50 keeps an image's thumbnail.
    static let jpegScale = 8
    /// A poster is a few kilobytes: ffmpeg may write no more than this.
    static let maxBytes = 1 << 20

    /// Where the poster is taken, in seconds: one second in, past a fade from black or a first
    /// frame still settling; the middle of a clip shorter than two seconds; the start when the
    /// duration is unknown.
    static func seekSeconds(duration: Double?) -> Double {
        guard let duration, duration.isFinite, duration > 0 else { return 0 }
        return duration >= 2 ? 1 : duration / 2
    }

    /// The poster of the video at `path`.
    ///
    /// - Parameter durationSeconds: the video's duration from its headers, where the frame is chosen.
    /// - Throws: ``MediaPreview/Unavailable`` when ffmpeg yields no frame within `timeLimit`.
    public static func make(
        video path: String, durationSeconds: Double?, ffmpeg: FFmpeg, longEdge: Int = defaultLongEdge,
        timeLimit: Duration = defaultTimeLimit
    ) async throws(MediaPreview.Unavailable) -> PosterFrame {
        let deadline = ContinuousClock.now + timeLimit
        let start = seekSeconds(duration: durationSeconds)
        do {
            return try await TemporaryFolder.with { folder in
                let output = folder.path + "/poster.jpg"
                for seek in start > 0 ? [start, 0] : [0] {
                    let left = deadline - .now
                    guard left > .zero else { break }
                    do {
                        try await ffmpeg.run(
                            arguments(input: path, seek: seek, longEdge: longEdge, output: output),
                            limits: .init(wallClock: left, fileBytes: maxBytes))
                    } catch is WabaMediaError {
                        // No frame there (a damaged picture, a seek into a broken part): the start may have one.
                        continue
                    }
                    if let jpeg = FileManager.default.contents(atPath: output), isJPEG(jpeg) {
                        return PosterFrame(jpeg: [UInt8](jpeg))
                    }
                }
                throw ContinuousClock.now >= deadline
                    ? MediaPreview.Unavailable.timedOut(timeLimit) : MediaPreview.Unavailable.noVideoFrame
            }
        } catch let unavailable as MediaPreview.Unavailable {
            throw unavailable
        } catch {
            throw MediaPreview.Unavailable.failed("\(error)")
        }
    }

    /// The posters of the videos `videos` (each a path and its duration from its headers), in their
    /// order, made by one ffmpeg run with an output per video: a report over thousands of short
    /// clips would otherwise spend most of its time starting ffmpeg. A video the shared run yields
    /// no poster for (one that fails the whole run included) is made on its own, as
    /// ``make(video:durationSeconds:ffmpeg:longEdge:timeLimit:)`` makes it.
    ///
    /// - Parameter timeLimit: each video's; the shared run gets the sum, at most five minutes.
    public static func make(
        videos: [(path: String, durationSeconds: Double?)], ffmpeg: FFmpeg, longEdge: Int = defaultLongEdge,
        timeLimit: Duration = defaultTimeLimit
    ) async -> [Result<PosterFrame, MediaPreview.Unavailable>] {
        var posters: [Int: PosterFrame] = [:]
        if videos.count > 1 {
            posters =
                (try? await TemporaryFolder.with { folder in
                    let outputs = videos.indices.map { folder.path + "/poster-\($0).jpg" }
                    var arguments: [String] = []
                    for video in videos {
                        arguments += inputArguments(video.path, seek: seekSeconds(duration: video.durationSeconds))
                    }
                    for (input, output) in outputs.enumerated() {
                        arguments += outputArguments(of: input, longEdge: longEdge, output: output)
                    }
                    _ = try? await ffmpeg.run(
                        arguments,
                        limits: .init(
                            wallClock: min(.seconds(300), timeLimit * videos.count), fileBytes: maxBytes * videos.count)
                    )
                    var made: [Int: PosterFrame] = [:]
                    for (index, output) in outputs.enumerated() {
                        if let jpeg = FileManager.default.contents(atPath: output), isJPEG(jpeg) {
                            made[index] = PosterFrame(jpeg: [UInt8](jpeg))
                        }
                    }
                    return made
                }) ?? [:]
        }
        var results: [Result<PosterFrame, MediaPreview.Unavailable>] = []
        for (index, video) in videos.enumerated() {
            if let poster = posters[index] {
                results.append(.success(poster))
            } else {
                do throws(MediaPreview.Unavailable) {
                    results.append(
                        .success(
                            try await make(
                                video: video.path, durationSeconds: video.durationSeconds, ffmpeg: ffmpeg,
                                longEdge: longEdge, timeLimit: timeLimit)))
                } catch {
                    results.append(.failure(error))
                }
            }
        }
        return results
    }

    /// The ffmpeg arguments that write the frame at `seek` seconds of `input`'s first video track,
    /// upright, with square pixels, fitted into `longEdge` × `longEdge`, to the JPEG `output`.
    static func arguments(input: String, seek: Double, longEdge: Int, output: String) -> [String] {
        inputArguments(input, seek: seek) + outputArguments(of: 0, longEdge: longEdge, output: output)
    }

    /// One input, read from `seek` seconds.
    static func inputArguments(_ input: String, seek: Double) -> [String] {
        // One decoding thread: posters are made several at once, one per thread of the report.
        ["-threads", "1", "-ss", String(format: "%.3f", seek), "-protocol_whitelist", "file", "-i", "file:" + input]
    }

    /// One output: a frame of the `input`-th input's first video track, upright, square pixels,
    /// fitted into `longEdge`, as JPEG.
    static func outputArguments(of input: Int, longEdge: Int, output: String) -> [String] {
        [
            "-map", "\(input):v:0", "-an", "-sn", "-dn", "-frames:v", "1",
            "-vf",
            "scale=iw*sar:ih,setsar=1,scale=\(longEdge):\(longEdge):force_original_aspect_ratio=decrease,"
                + "format=yuvj420p",
            "-c:v", "mjpeg", "-q:v", "\(jpegScale)", "-map_metadata", "-1",
            "-f", "image2", "-update", "1", "-y", "file:" + output,
        ]
    }

    /// Whether `bytes` start and end as a JPEG does, within ``maxBytes``.
    static func isJPEG(_ bytes: Data) -> Bool {
        bytes.count >= 4 && bytes.count <= maxBytes && bytes.prefix(2) == Data([0xFF, 0xD8])
            && bytes.suffix(2) == Data([0xFF, 0xD9])
    }
}
