import ArgumentParser
import WabaMedia

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
