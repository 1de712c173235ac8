import ArgumentParser
import WabaMedia

extension MediaType: ExpressibleByArgument {}

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

    func validate() throws {
        if stripMetadata && keepMetadata {
            throw ValidationError("--strip-metadata and --keep-metadata contradict each other: give one of them")
        }
    }

    /// - Parameter jobs: files prepared at once, which share the machine's cores.
    func preparerOptions(jobs: Int = 1) -> MediaPreparer.Options {
        MediaPreparer.Options(
            stripMetadata: stripMetadata, keepMetadata: keepMetadata, container: container.rewriteOptions,
            vipsConcurrency: jobs > 1 ? max(1, MediaChecker.defaultConcurrency / jobs) : 0)
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
