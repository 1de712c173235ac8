import Foundation

/// How loud an audio file is, for the pages people look at (the HTML report, the sandbox's
/// inbox): its mean and peak level in dB below full scale, measured by ffmpeg's `volumedetect`
/// over the whole file, in one run fenced like every other.
public struct AudioLevel: Sendable, Hashable {
    /// The mean (RMS) level, in dBFS: about -20 for speech recorded well, near -91 for silence.
    public var meanDB: Double
    /// The loudest sample, in dBFS: 0 is full scale (clipping is likely there).
    public var peakDB: Double

    public init(meanDB: Double, peakDB: Double) {
        self.meanDB = meanDB
        self.peakDB = peakDB
    }

    /// How long measuring one file may take: a decode of the whole file, fast for anything WhatsApp
    /// takes; the bound is for a file ffmpeg hangs on, generous for a machine busy with other work.
    public static let defaultTimeLimit: Duration = .seconds(60)
    /// The quiet end of the level bar, in dBFS: anything quieter shows as an empty bar.
    public static let floorDB = -60.0

    /// The level of the first audio track of the file at `path`.
    ///
    /// - Throws: ``MediaPreview/Unavailable`` when ffmpeg decodes no audio within `timeLimit`.
    public static func measure(
        audio path: String, ffmpeg: FFmpeg, timeLimit: Duration = defaultTimeLimit
    ) async throws(MediaPreview.Unavailable) -> AudioLevel {
        let started = ContinuousClock.now
        let log: String
        do {
            log = try await ffmpeg.run(
                arguments(input: path), limits: .init(wallClock: timeLimit, fileBytes: 1 << 20), logLevel: .info)
        } catch is WabaMediaError {
            throw ContinuousClock.now - started >= timeLimit
                ? MediaPreview.Unavailable.timedOut(timeLimit) : MediaPreview.Unavailable.noAudio
        } catch {
            throw MediaPreview.Unavailable.failed("\(error)")
        }
        guard let level = parse(log) else { throw MediaPreview.Unavailable.noAudio }
        return level
    }

    /// The levels of the first audio tracks of the files at `paths`, in their order, measured by one
    /// ffmpeg run: a report over thousands of short files would otherwise spend most of its time
    /// starting ffmpeg. A file the shared run cannot measure (one that fails the whole run included)
    /// is measured on its own, as ``measure(audio:ffmpeg:timeLimit:)`` does.
    ///
    /// - Parameter timeLimit: each file's; the shared run gets the sum, at most five minutes.
    public static func measure(
        audio paths: [String], ffmpeg: FFmpeg, timeLimit: Duration = defaultTimeLimit
    ) async -> [Result<AudioLevel, MediaPreview.Unavailable>] {
        var levels: [Int: AudioLevel] = [:]
        if paths.count > 1 {
            let log = try? await ffmpeg.run(
                arguments(inputs: paths),
                limits: .init(wallClock: min(.seconds(300), timeLimit * paths.count), fileBytes: 1 << 20),
                logLevel: .info, keepingLinesWith: "_volume:")
            levels = log.map(parse(shared:)) ?? [:]
        }
        var results: [Result<AudioLevel, MediaPreview.Unavailable>] = []
        for (index, path) in paths.enumerated() {
            if let level = levels[index] {
                results.append(.success(level))
            } else {
                do throws(MediaPreview.Unavailable) {
                    results.append(.success(try await measure(audio: path, ffmpeg: ffmpeg, timeLimit: timeLimit)))
                } catch {
                    results.append(.failure(error))
                }
            }
        }
        return results
    }

    /// The arguments of one run measuring every input: a `volumedetect` per input's first audio
    /// track, each to a null output of its own.
    static func arguments(inputs: [String]) -> [String] {
        var arguments: [String] = []
        for input in inputs { arguments += ["-threads", "1", "-protocol_whitelist", "file", "-i", "file:" + input] }
        let graph = inputs.indices.map { "[\($0):a:0]volumedetect[level\($0)]" }.joined(separator: ";")
        arguments += ["-filter_complex", graph]
        for index in inputs.indices { arguments += ["-map", "[level\(index)]", "-f", "null", "-"] }
        return arguments
    }

    /// The levels a shared run reported, by input: `[Parsed_volumedetect_3 @ 0x…] mean_volume: …` is
    /// the fourth input's (the last report of each counts: ffmpeg configures the graph twice).
    static func parse(shared log: String) -> [Int: AudioLevel] {
        var lines: [Int: String] = [:]
        for line in log.split(separator: "\n") {
            guard let name = line.range(of: "[Parsed_volumedetect_"),
                let index = Int(line[name.upperBound...].prefix { $0.isNumber })
            else { continue }
            lines[index, default: ""] += line + "\n"
        }
        return lines.compactMapValues(parse)
    }

    /// The ffmpeg arguments that decode `input`'s first audio track through `volumedetect` and write nothing.
    static func arguments(input: String) -> [String] {
        [
            "-threads", "1", "-protocol_whitelist", "file", "-i", "file:" + input,
            "-map", "0:a:0", "-vn", "-sn", "-dn", "-af", "volumedetect", "-f", "null", "-",
        ]
    }

    /// The levels in `volumedetect`'s report (`mean_volume: -21.5 dB`, `max_volume: -18.5 dB`, the
    /// last of each in `log`); nil when it has none (no sample was decoded).
    static func parse(_ log: String) -> AudioLevel? {
        func value(_ key: String) -> Double? {
            guard let line = log.split(separator: "\n").last(where: { $0.contains(key) }),
                let after = line.range(of: key)?.upperBound
            else { return nil }
            let number = line[after...].trimmingCharacters(in: .whitespaces).split(separator: " ").first
            return number.flatMap { Double($0) }.flatMap { $0.isNaN ? nil : $0 }
        }
        guard let mean = value("mean_volume:"), let peak = value("max_volume:") else { return nil }
        return AudioLevel(meanDB: mean, peakDB: peak)
    }

    /// A level as the page writes it: one decimal, a true minus sign, `-∞` for digital silence.
    static func text(_ decibels: Double) -> String {
        guard decibels.isFinite else { return decibels < 0 ? "−∞ dB" : "∞ dB" }
        let rounded = (decibels * 10).rounded() / 10
        return (rounded < 0 ? "−" : "") + String(format: "%.1f", abs(rounded)) + " dB"
    }

    /// The bar's value: the mean level within ``floorDB`` … 0.
    var barValue: Double {
        guard meanDB.isFinite else { return Self.floorDB }
        return min(0, max(Self.floorDB, (meanDB * 10).rounded() / 10))
    }
}
