import Foundation

/// What the HTML report and the sandbox's inbox show of a video or an audio file besides its
/// name: a ``PosterFrame`` of a video; the duration and ``AudioLevel`` of an audio file; and, when
/// either could not be made, a short note saying why. A preview is a courtesy: it never changes a
/// verdict, and a file without one is shown all the same.
public struct MediaPreview: Sendable, Hashable {
    public var poster: PosterFrame?
    public var level: AudioLevel?
    /// The playing time from the file's headers, when they give it.
    public var durationSeconds: Double?
    /// Why the poster or the level is missing, in words for the page.
    public var note: String?

    public init(
        poster: PosterFrame? = nil, level: AudioLevel? = nil, durationSeconds: Double? = nil, note: String? = nil
    ) {
        self.poster = poster
        self.level = level
        self.durationSeconds = durationSeconds
        self.note = note
    }

    /// Why a poster or a level could not be made.
    public enum Unavailable: Error, Sendable, Hashable, CustomStringConvertible {
        /// No ffmpeg to make it with.
        case noFFmpeg
        /// ffmpeg decoded no picture of the video.
        case noVideoFrame
        /// ffmpeg decoded no sound of the audio.
        case noAudio
        /// ffmpeg was still at work when its time was up, and was stopped.
        case timedOut(Duration)
        /// ffmpeg could not be run.
        case failed(String)

        public var description: String {
            switch self {
            case .noFFmpeg: "ffmpeg is not installed"
            case .noVideoFrame: "ffmpeg could not decode a picture of this video"
            case .noAudio: "ffmpeg could not decode the sound of this file"
            case .timedOut(let limit): "ffmpeg took longer than \(limit.secondsText()) and was stopped"
            case .failed(let reason): "ffmpeg could not run: \(reason)"
            }
        }
    }

    /// The preview of the local file at `path`: a poster for a video, the level for an audio file;
    /// nil for any other media type, which has no preview of this kind.
    ///
    /// - Parameter timeLimit: how long making it may take; nil keeps ``PosterFrame``'s and
    ///   ``AudioLevel``'s own limits.
    public static func make(
        path: String, mediaType: MediaType, durationSeconds: Double?, ffmpeg choice: FFmpegChoice,
        timeLimit: Duration? = nil
    ) async -> MediaPreview? {
        guard mediaType == .video || mediaType == .audio else { return nil }
        var preview = MediaPreview(durationSeconds: durationSeconds)
        do {
            guard let ffmpeg = await resolve(choice) else { throw Unavailable.noFFmpeg }
            if mediaType == .video {
                preview.poster = try await PosterFrame.make(
                    video: path, durationSeconds: durationSeconds, ffmpeg: ffmpeg,
                    timeLimit: timeLimit ?? PosterFrame.defaultTimeLimit)
            } else {
                preview.level = try await AudioLevel.measure(
                    audio: path, ffmpeg: ffmpeg, timeLimit: timeLimit ?? AudioLevel.defaultTimeLimit)
            }
        } catch {
            preview.note = (mediaType == .video ? "No poster frame: " : "No level: ") + String(describing: error)
        }
        return preview
    }

    /// How many files one ffmpeg run previews at most, in ``make(_:ffmpeg:)``: enough that starting
    /// ffmpeg (tens of milliseconds) costs little beside the files, few enough that a file the run
    /// cannot read, which sends its files back to a run each, costs few runs.
    public static let filesPerRun = 16

    /// The previews of `files`, in their order, all of one media type (video or audio; nil for
    /// any other), by one ffmpeg run (at most ``filesPerRun`` files are expected).
    public static func make(
        _ files: [(path: String, durationSeconds: Double?)], mediaType: MediaType, ffmpeg choice: FFmpegChoice
    ) async -> [MediaPreview?] {
        guard mediaType == .video || mediaType == .audio else { return files.map { _ in nil } }
        guard let ffmpeg = await resolve(choice) else {
            let note = (mediaType == .video ? "No poster frame: " : "No level: ") + Unavailable.noFFmpeg.description
            return files.map { MediaPreview(durationSeconds: $0.durationSeconds, note: note) }
        }
        if mediaType == .video {
            let posters = await PosterFrame.make(videos: files, ffmpeg: ffmpeg)
            return zip(files, posters).map { file, poster in
                switch poster {
                case .success(let poster): MediaPreview(poster: poster, durationSeconds: file.durationSeconds)
                case .failure(let reason):
                    MediaPreview(durationSeconds: file.durationSeconds, note: "No poster frame: \(reason)")
                }
            }
        }
        let levels = await AudioLevel.measure(audio: files.map(\.path), ffmpeg: ffmpeg)
        return zip(files, levels).map { file, level in
            switch level {
            case .success(let level): MediaPreview(level: level, durationSeconds: file.durationSeconds)
            case .failure(let reason): MediaPreview(durationSeconds: file.durationSeconds, note: "No level: \(reason)")
            }
        }
    }

    /// The ffmpeg `choice` names, once it is known; nil when there is none.
    static func resolve(_ choice: FFmpegChoice) async -> FFmpeg? {
        switch choice {
        case .installed: await FFmpeg.installedLookup.ffmpeg()
        case .none: nil
        case .at(let ffmpeg): ffmpeg
        }
    }

    /// The values the report's and the inbox's templates show: `poster` (a `data:` URI),
    /// `duration` (`0:07`), `level` (the bar's `value` and `min`, and its levels as text) and `note`;
    /// only those there are.
    package var templateValues: [String: Any] {
        var values: [String: Any] = [:]
        if let poster { values["poster"] = poster.dataURI }
        if let durationSeconds, durationSeconds.isFinite, durationSeconds >= 0 {
            values["duration"] = PlayingTime(seconds: durationSeconds).description
        }
        if let level {
            values["level"] = [
                "value": String(format: "%.1f", level.barValue), "min": String(format: "%.0f", AudioLevel.floorDB),
                "text": "mean \(AudioLevel.text(level.meanDB)) · peak \(AudioLevel.text(level.peakDB))",
            ]
        }
        if let note { values["note"] = note }
        return values
    }
}
