import ArgumentParser

/// `--format`, the same in every subcommand.
struct FormatOptions: ParsableArguments {
    @Option(name: .long, help: "How results are printed: table (for people) or json (one object per line).")
    var format: OutputFormat = .table
}
