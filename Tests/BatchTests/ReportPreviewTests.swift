import Foundation
import TestSupport
import Testing

@testable import WabaMedia

/// Poster frames of videos and the duration and level of audio files in the HTML report, over files
/// ffmpeg makes here.
@Suite("HTML report previews")
struct ReportPreviewTests {
    /// A folder with a playable clip, a tone and a clip whose pictures are zeros.
    static func makeFolder() throws -> URL {
        let folder = try makeTemporaryDirectory("wamedia-report-previews")
        try PreviewFixtures.clip(at: folder.appendingPathComponent("clip.mp4"))
        try PreviewFixtures.tone(at: folder.appendingPathComponent("tone.mp3"))
        try PreviewFixtures.undecodableClip(at: folder.appendingPathComponent("zeros.mp4"))
        return folder
    }

    /// Each asset's card in `page`, by file name.
    static func cards(in page: String) -> [String: String] {
        var cards: [String: String] = [:]
        for card in page.components(separatedBy: "<article class=\"card ").dropFirst() {
            guard let name = card.range(of: "<h3 class=\"name\" title=\"") else { continue }
            let path = card[name.upperBound...].prefix { $0 != "\"" }
            cards[URL(fileURLWithPath: String(path)).lastPathComponent] = String(card.prefix { $0 != "\n" })
        }
        return cards
    }

    @Test("a video's card shows a 160 px JPEG poster frame, an audio file's its duration and level bar")
    func postersAndLevels() async throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try await wamediaAsync(["check", "--format", "html", folder.path])
        let page = run.standardOutput
        #expect(page.hasSuffix("</html>\n"), "the report is whole: \(run.standardError)")
        let cards = Self.cards(in: page)
        #expect(cards.count == 3, "\(cards.keys)")

        let clip = try #require(cards["clip.mp4"])
        let poster = try #require(
            PreviewFixtures.jpeg(after: "<img class=\"poster\" alt=\"poster frame\" src=\"", in: clip), "\(clip)")
        #expect(poster.prefix(2) == Data([0xFF, 0xD8]))
        let size = try PreviewFixtures.decodedSize(ofJPEG: poster)
        #expect(size.width == 160 && size.height == 120, "320×240 fitted into 160 px: \(size)")
        #expect(poster.count < 12_000, "a thumbnail's weight: \(poster.count) bytes")
        #expect(!clip.contains("<use href=\"#i-video\""), "a poster, not the icon")
        #expect(clip.contains(" · 0:03"), "the clip's duration: \(clip)")

        let tone = try #require(cards["tone.mp3"])
        #expect(tone.contains(" · 0:02"), "the tone's duration: \(tone)")
        let levels = try #require(PreviewFixtures.levels(in: tone), "\(tone)")
        #expect((-24.0 ... -19.0).contains(levels.mean), "mean of a 1/8 sine: \(levels)")
        #expect((-20.5 ... -17.0).contains(levels.peak), "peak of a 1/8 sine: \(levels)")
        #expect(levels.bar == levels.mean)
        #expect(tone.contains("<meter min=\"-60\" max=\"0\" value=\""))
        #expect(!tone.contains("class=\"note\""))
    }

    @Test("a video ffmpeg cannot decode gets no poster and a note; the report is still made")
    func undecodableVideo() async throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try await wamediaAsync(["check", "--format", "html", folder.path])
        let page = run.standardOutput
        #expect(page.hasSuffix("</html>\n"), "the report is whole: \(run.standardError)")
        let zeros = try #require(Self.cards(in: page)["zeros.mp4"], "\(page.suffix(2_000))")
        #expect(!zeros.contains("<img"), "\(zeros)")
        #expect(zeros.contains("<use href=\"#i-video\""), "the icon stands in: \(zeros)")
        #expect(
            zeros.contains("<p class=\"note\">No poster frame: ffmpeg could not decode a picture of this video</p>"),
            "\(zeros)")
    }

    @Test("without ffmpeg a video's card says there is no poster, and an audio file's that there is no level")
    func withoutFFmpeg() async throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = HTMLReport(profile: .whatsappCloud, ffmpeg: .none)
        for (name, type, mime, note) in [
            ("clip.mp4", MediaType.video, MIMEType.mp4, "No poster frame: ffmpeg is not installed"),
            ("tone.mp3", .audio, .mpegAudio, "No level: ffmpeg is not installed"),
        ] {
            let path = folder.appendingPathComponent(name).path
            let inspection = Inspection(file: path, size: 1, detection: Detection(mime: mime, libmagicMIME: mime))
            let result = BatchResult(
                index: 0, origin: path,
                report: ValidationReport(inspection: inspection, mediaType: type, findings: [], effectiveMIME: mime))
            let preview = try #require(await report.preview(for: result))
            #expect(preview.poster == nil && preview.level == nil)
            let card = report.card(for: result, preview: preview).html
            #expect(card.contains("<p class=\"note\">\(note)</p>"), "\(card)")
            #expect(!card.contains("<meter") && !card.contains("<img"))
        }
    }

    @Test("a poster ffmpeg cannot make within its time is given up, and the note says how long it had")
    func posterTimeLimit() async throws {
        let folder = try makeTemporaryDirectory("wamedia-poster-time")
        defer { try? FileManager.default.removeItem(at: folder) }
        let clip = folder.appendingPathComponent("clip.mp4")
        try PreviewFixtures.clip(at: clip)
        let ffmpeg = try #require(await FFmpegCapabilities.installed().ffmpeg, "ffmpeg is needed")
        let limit = Duration.milliseconds(1)
        await #expect(throws: MediaPreview.Unavailable.timedOut(limit)) {
            try await PosterFrame.make(video: clip.path, durationSeconds: 3, ffmpeg: ffmpeg, timeLimit: limit)
        }
        #expect(
            MediaPreview.Unavailable.timedOut(.seconds(5)).description == "ffmpeg took longer than 5 s and was stopped")
        // The same clip with the default time gets its poster.
        let poster = try await PosterFrame.make(video: clip.path, durationSeconds: 3, ffmpeg: ffmpeg)
        #expect(poster.jpeg.count > 100 && poster.dataURI.hasPrefix("data:image/jpeg;base64,/9j/"))
    }

    @Test("the poster is taken a second in, or halfway into a clip shorter than two seconds")
    func posterTime() {
        #expect(PosterFrame.seekSeconds(duration: 30) == 1)
        #expect(PosterFrame.seekSeconds(duration: 2) == 1)
        #expect(PosterFrame.seekSeconds(duration: 1.2) == 0.6)
        #expect(PosterFrame.seekSeconds(duration: nil) == 0)
        #expect(PosterFrame.seekSeconds(duration: .nan) == 0)
    }

    @Test("volumedetect's report is read from ffmpeg's log; digital silence reads as -∞")
    func levelParsing() {
        let log = """
            [Parsed_volumedetect_0 @ 0x1] n_samples: 88200
            [Parsed_volumedetect_0 @ 0x1] mean_volume: -21.5 dB
            [Parsed_volumedetect_0 @ 0x1] max_volume: -18.5 dB
            [Parsed_volumedetect_0 @ 0x1] histogram_18db: 18712
            """
        #expect(AudioLevel.parse(log) == AudioLevel(meanDB: -21.5, peakDB: -18.5))
        #expect(AudioLevel.parse("Output #0, null, to 'pipe:':") == nil)
        #expect(AudioLevel.text(-21.54) == "−21.5 dB")
        #expect(AudioLevel.text(-.infinity) == "−∞ dB")
        #expect(AudioLevel(meanDB: -91, peakDB: -91).barValue == AudioLevel.floorDB)
        #expect(PlayingTime(seconds: 62.4).description == "1:02")
        #expect(PlayingTime(seconds: .infinity).description == "0:00")
    }

    @Test("one ffmpeg run previews many files; a file it cannot read gets its own run, and the others keep theirs")
    func sharedRuns() async throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let ffmpeg = try #require(FFmpeg.installed)
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        try PreviewFixtures.tone(at: folder.appendingPathComponent("tone-2.mp3"))
        try Data("not audio at all".utf8).write(to: folder.appendingPathComponent("text.mp3"))

        // A video without pictures among two that have them: the shared run writes two posters.
        let videos = [(path("clip.mp4"), 3.0), (path("zeros.mp4"), 3.0), (path("clip.mp4"), 3.0)]
        // Time enough for a machine busy with every other suite: the limits are not what is tested here.
        let limit = Duration.seconds(120)
        let posters = await PosterFrame.make(
            videos: videos.map { (path: $0.0, durationSeconds: Optional($0.1)) }, ffmpeg: ffmpeg, timeLimit: limit)
        #expect(posters.count == 3)
        #expect(posters[1] == .failure(.noVideoFrame), "\(posters[1])")
        let single = try await PosterFrame.make(
            video: path("clip.mp4"), durationSeconds: 3, ffmpeg: ffmpeg, timeLimit: limit)
        #expect(posters[0] == .success(single) && posters[2] == .success(single), "the same frame as a run of its own")

        // A file no decoder reads fails the whole shared run: every file is then measured alone.
        let audio = [path("tone.mp3"), path("text.mp3"), path("tone-2.mp3")]
        let levels = await AudioLevel.measure(audio: audio, ffmpeg: ffmpeg, timeLimit: limit)
        #expect(levels.count == 3)
        #expect(levels[1] == .failure(.noAudio), "\(levels[1])")
        let alone = try await AudioLevel.measure(audio: path("tone.mp3"), ffmpeg: ffmpeg, timeLimit: limit)
        #expect(levels[0] == .success(alone) && levels[2] == .success(alone), "\(levels)")
        // Without the unreadable file, one run measures both, as runs of their own do.
        let shared = await AudioLevel.measure(
            audio: [path("tone.mp3"), path("tone-2.mp3")], ffmpeg: ffmpeg, timeLimit: limit)
        #expect(shared == [.success(alone), .success(alone)])
        let log = try await ffmpeg.run(
            AudioLevel.arguments(inputs: [path("tone.mp3"), path("tone-2.mp3")]),
            limits: .init(wallClock: .seconds(30), fileBytes: 1 << 20), logLevel: .info,
            keepingLinesWith: "_volume:")
        #expect(AudioLevel.parse(shared: log) == [0: alone, 1: alone], "one run measured both: \(log)")
        #expect(
            AudioLevel.parse(
                shared: "[Parsed_volumedetect_1 @ 0x1] mean_volume: -20.0 dB\n"
                    + "[Parsed_volumedetect_1 @ 0x1] max_volume: -3.5 dB\n") == [
                    1: AudioLevel(meanDB: -20, peakDB: -3.5)
                ])
    }
}
