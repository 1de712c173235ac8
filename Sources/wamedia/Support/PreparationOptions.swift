import ArgumentParser
import WabaMedia

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

    /// The preparer these options describe, its blocking work on `executor` (as many threads as
    /// files prepared at once), drawing a transcode's progress on standard error when it is a terminal
    /// (one file at a time only: several bars would overwrite each other).
    func preparer(profile: MediaProfile, executor: BlockingExecutor) throws -> MediaPreparer {
        let jobs = executor.threads
        return try MediaPreparer(
            profile: profile, options: preparerOptions(jobs: jobs), executor: executor,
            progress: jobs == 1 ? ProgressLine().map(TranscodeProgress.drawing(on:)) : nil)
    }
}
