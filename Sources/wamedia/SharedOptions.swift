import ArgumentParser
import Foundation
import Synchronization
import WabaMedia

extension MediaType: ExpressibleByArgument {}
extension TranscodeSpeed: ExpressibleByArgument {}
extension AudioTarget: ExpressibleByArgument {}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case json
}

/// `--profile`, the same in every subcommand.
struct ProfileOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The limits to check against: a bundled name or a YAML file.",
            discussion:
                "Bundled: \(MediaProfile.bundledNames.joined(separator: ", ")). A bare name is also looked up as NAME.yaml in $WAMEDIA_PROFILES and ./profiles.",
            valueName: "name|path"))
    var profile: String = "whatsapp-cloud"

    func load() throws -> MediaProfile {
        try MediaProfile.load(profile)
    }
}

/// `--format`, the same in every subcommand.
struct FormatOptions: ParsableArguments {
    @Option(name: .long, help: "How results are printed: table (for people) or json (one object per line).")
    var format: OutputFormat = .table
}

/// How files are made to conform, the same in `prepare`, `payload` and `send`.
struct PreparationOptions: ParsableArguments {
    @Flag(
        name: .long,
        help: """
            Also re-save images that are sendable as they are but carry EXIF/XMP metadata (GPS location, \
            camera details): upright, without the metadata.
            """)
    var stripMetadata = false

    @Flag(
        name: .long,
        help: """
            Keep the location (EXIF/XMP GPS in images, location atoms in videos) and other metadata of             files sent as they are. By default the location is removed, and nothing else is touched.
            """)
    var keepMetadata = false

    @OptionGroup var container: ContainerOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "How long a video transcode may take for a smaller, better file (x264 veryfast, medium, slow).",
            valueName: "fast|balanced|best"))
    var speed: TranscodeSpeed = .balanced

    @Option(
        name: .customLong("audio-as"),
        help: ArgumentHelp(
            "What audio that must be transcoded becomes: a voice note (Opus in OGG, mono) or AAC in M4A; "
                + "auto makes mono or Opus recordings voice notes (default: the profile's transcode_to).",
            valueName: "auto|voice|audio"))
    var audioAs: AudioTarget?

    func validate() throws {
        if stripMetadata && keepMetadata {
            throw ValidationError("--strip-metadata and --keep-metadata contradict each other: give one of them")
        }
    }

    /// - Parameter jobs: files prepared at once, which share the machine's cores.
    func preparerOptions(jobs: Int = 1) -> MediaPreparer.Options {
        MediaPreparer.Options(
            stripMetadata: stripMetadata, keepMetadata: keepMetadata, container: container.rewriteOptions,
            vipsConcurrency: jobs > 1 ? max(1, MediaChecker.defaultConcurrency / jobs) : 0,
            transcode: TranscodeOptions(speed: speed, audioAs: audioAs))
    }

    /// The preparer these options describe, drawing a transcode's progress on standard error when it
    /// is a terminal (one file at a time only: several bars would overwrite each other).
    func preparer(profile: MediaProfile, jobs: Int = 1) throws -> MediaPreparer {
        try MediaPreparer(
            profile: profile, options: preparerOptions(jobs: jobs),
            progress: jobs == 1 ? ProgressLine().map(TranscodeProgress.drawing(on:)) : nil)
    }
}

extension TranscodeProgress {
    /// Draws a transcode's progress on `line`, erased when the last pass ends:
    /// `transcoding pass 1/2 [=====     ] 48% 0:12 left`.
    static func drawing(on line: ProgressLine) -> @Sendable (TranscodeProgress) -> Void {
        let passStarted = Mutex((pass: 0, at: ContinuousClock.now))
        return { progress in
            let now = ContinuousClock.now
            let started = passStarted.withLock { state in
                if state.pass != progress.pass { state = (progress.pass, now) }
                return state.at
            }
            if progress.pass == progress.passes && (progress.fraction ?? 0) >= 1 {
                line.clear()
            } else {
                line.draw { _ in progress.lineText(passElapsed: now - started) }
            }
        }
    }

    private func lineText(passElapsed elapsed: Duration) -> String {
        let pass = passes > 1 ? " pass \(self.pass)/\(passes)" : ""
        guard let fraction else { return "transcoding\(pass): \(Int(mediaSeconds)) s written" }
        let width = 24
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        var text = "transcoding\(pass) [\(bar)] \(Int(fraction * 100))%"
        if fraction > 0.02 {
            let passSeconds = Double(elapsed.components.seconds) / fraction
            let left = Int(passSeconds * (1 - fraction) + passSeconds * Double(passes - self.pass))
            text += " \(left / 60):\(String(format: "%02d", left % 60)) left"
        }
        return text
    }
}

/// `--audio-track`, for the commands that rewrite containers.
struct ContainerOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Which audio track to keep when a video has several, counting from 0 (default: the first).",
            valueName: "index"))
    var audioTrack: Int?

    func validate() throws {
        if let audioTrack, audioTrack < 0 { throw ValidationError("--audio-track counts from 0") }
    }

    var rewriteOptions: ContainerRewriteOptions { ContainerRewriteOptions(audioTrack: audioTrack) }
}
