import ArgumentParser
import Foundation
import WabaClient
import WabaMedia

extension ImageVerification: ExpressibleByArgument {}

enum CheckFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case json
    case junit
    case html
}

enum FailOn: String, ExpressibleByArgument, CaseIterable {
    case rejected
    case fixable

    var verdict: Verdict { self == .fixable ? .fixable : .rejected }
}

struct CheckCommand: AsyncParsableCommand, ChecksMedia {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Say whether files and URLs can be sent as a media type: ok, fixable or rejected.",
        discussion: """
            ok: sent as it is. fixable: 'prepare' (and 'send') make it conform. rejected: it cannot be \
            sent as that type; the findings say why and what to do. Exit status 1 when any asset is \
            rejected (or fixable, with --fail-on fixable).

            Inputs are files, folders (walked recursively, hidden files skipped), glob patterns (quoted), \
            http(s) URLs, and manifests (--manifest): CSV with a header or JSON Lines, with the columns \
            media (a path relative to the manifest, or a URL), media_type, caption and file_name. URLs are \
            checked with a HEAD and a ranged GET of their first bytes, never downloaded whole.
            """)

    @Option(
        name: .long,
        help: "The media type to check against (default: the manifest's, else inferred from each file's content).")
    var type: MediaType?

    @Option(name: .long, help: "A caption to check against the profile's limit (for assets without their own).")
    var caption: String?

    @OptionGroup var profileOptions: ProfileOptions

    @Option(
        name: .long,
        help:
            "How results are printed: table (for people), json (one object per line, then a summary object), junit (XML for CI systems) or html (one self-contained page with thumbnails)."
    )
    var format: CheckFormat = .table

    @Option(
        name: .long, help: ArgumentHelp("A campaign manifest (.csv or .jsonl); may be repeated.", valueName: "file"))
    var manifest: [String] = []

    @Option(name: .long, help: "The manifests' format, when their extension does not say.")
    var manifestFormat: ManifestFormat?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The longest manifest line; a longer one is refused as its row's finding.", valueName: "bytes"))
    var manifestMaxLineBytes: Int = ManifestReader.Limits.defaultMaxLineBytes

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The most bytes read from each manifest; past them the run stops reading it, with a finding.",
            valueName: "bytes"))
    var manifestMaxBytes: Int = ManifestReader.Limits.defaultMaxBytes

    @Option(name: .long, help: "How many files to check at once (default: the number of cores).")
    var jobs: Int = MediaChecker.defaultConcurrency

    @Option(name: .long, help: "How many URLs to check at once.")
    var urlJobs: Int = 16

    @Option(name: .long, help: "Seconds the check of one URL may take in all: every request and the bytes read.")
    var timeout: Double = 10

    @Option(name: .long, help: "Redirects followed before a URL is rejected.")
    var maxRedirects: Int = 5

    @Flag(name: .long, help: "Check URLs on private, loopback and link-local addresses (local test servers).")
    var allowPrivate = false

    @Flag(name: .long, help: "Make plain-http URLs a warning instead of a rejection (local test servers).")
    var allowHTTP = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "How images are proven intact: structure (every segment, chunk and checksum, at disk speed) or decode (also finds corrupt compressed data, a decode per image).",
            valueName: "structure|decode"))
    var verifyImages: ImageVerification = .structure

    @Option(name: .long, help: "The verdict from which an asset fails the run: rejected or fixable.")
    var failOn: FailOn = .rejected

    @Argument(help: "Files, folders, glob patterns and http(s) URLs to check.")
    var inputs: [String] = []

    func validate() throws {
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs must be from 1 to 256") }
        guard (1...1024).contains(urlJobs) else { throw ValidationError("--url-jobs must be from 1 to 1024") }
        guard manifestMaxLineBytes > 0, manifestMaxBytes > 0 else {
            throw ValidationError("--manifest-max-line-bytes and --manifest-max-bytes must be at least 1")
        }
        guard timeout > 0, timeout <= 3600 else {
            throw ValidationError("--timeout must be between 0 and 3600 seconds")
        }
        guard verifyImages != .header else {
            throw ValidationError("--verify-images is structure or decode: a check always proves images intact")
        }
        guard (0...100).contains(maxRedirects) else { throw ValidationError("--max-redirects must be from 0 to 100") }
        guard !inputs.isEmpty || !manifest.isEmpty else {
            throw ValidationError("give files, folders, patterns or URLs to check, or --manifest FILE")
        }
    }

    func run() async throws {
        // Files are checked in parallel already: libvips' own threads per image would only add
        // switching and memory.
        Vips.tune(.forParallelImages(jobs))
        try await BlockingExecutor.withExecutor(threads: jobs) { executor in try await check(on: executor) }
    }

    /// The check, its blocking work on `executor`.
    private func check(on executor: BlockingExecutor) async throws {
        var checker = try MediaChecker(profile: try profileOptions.load(), imageVerification: verifyImages)
        // What a transcode would need is planned against ffmpeg's encoder list, listed once, when the
        // first file that may need a transcode is judged: checking images alone never starts ffmpeg.
        checker.ffmpegLookup = { await FFmpegCapabilities.installed() }
        let sources =
            BatchInputs.classify(inputs)
            + manifest.map {
                .manifest(
                    ManifestReader.Source(
                        path: $0, format: manifestFormat,
                        limits: .init(maxLineBytes: manifestMaxLineBytes, maxBytes: manifestMaxBytes)))
            }
        let entries = try BatchInputs(sources, defaultType: type, defaultCaption: caption)
        let needsNetwork = !manifest.isEmpty || inputs.contains(where: AssetLocation.isURL)
        let remote =
            needsNetwork
            ? RemoteAssetChecker(
                checker: checker, executor: executor,
                options: .init(
                    timeout: .milliseconds(Int64(timeout * 1000)), maxRedirects: maxRedirects,
                    allowPrivateAddresses: allowPrivate, allowHTTP: allowHTTP, connectionsPerHost: urlJobs))
            : nil
        let runner = BatchChecker(
            checker: checker, executor: executor, remote: remote, options: .init(fileJobs: jobs, urlJobs: urlJobs))

        var renderer = try BatchRenderer(
            format: format, failAt: failOn.verdict, html: HTMLReport(profile: checker.profile), executor: executor)
        let progress = ProgressLine()
        do {
            try await runner.run(entries) { result in
                progress?.clearForOutput()
                try await renderer.add(result)
                progress?.draw { renderer.summary.progressText(elapsedSeconds: $0) }
            }
            progress?.clear()
            try await renderer.finish()
        } catch {
            progress?.clear()
            try? await remote?.shutdown()
            throw error
        }
        try await remote?.shutdown()
        if renderer.summary.fails(at: failOn.verdict) { throw CommandFailure.rejected() }
    }
}
