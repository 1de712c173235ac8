import ArgumentParser
import WabaMedia

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
