import ArgumentParser
import WabaMedia

struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Say what files are, from their content: MIME type, size, dimensions, codecs.",
        discussion:
            "The type comes from the bytes (libmagic), never from the name. Nothing is judged: use 'check' for verdicts."
    )

    @OptionGroup var format: FormatOptions

    @Argument(help: "The files to inspect.")
    var files: [String]

    @Option(name: .long, help: "How many files to read at once (default: the number of cores).")
    var jobs: Int = MediaChecker.defaultConcurrency

    func validate() throws {
        guard jobs > 0 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() async throws {
        // Inspection describes; decoding every image to prove it intact is check's job.
        let inspector = MediaInspector(detector: try MIMEDetector(), options: .init(verifyImageData: false))
        var table = TextTable("FILE", "MIME", "SIZE", "DETAILS")
        var failures = 0
        try await forEachConcurrently(files, width: jobs) { path in
            Result { try inspector.inspect(path: path) }
        } emit: { _, result in
            switch result {
            case .success(let inspection):
                switch format.format {
                case .json: try Output.json(inspection)
                case .table:
                    table.append(
                        inspection.file, inspection.mime, formatBytes(inspection.size), Self.details(of: inspection))
                }
            case .failure(let error):
                failures += 1
                let reason = (error as? WabaMediaError)?.message ?? "\(error)"
                Terminal.error(reason)
            }
        }
        if format.format == .table && !table.rows.isEmpty { Output.line(table.render()) }
        if failures > 0 { throw CommandFailure.rejected() }
    }

    static func details(of inspection: Inspection) -> String {
        var parts: [String] = []
        if let image = inspection.image {
            parts.append("\(image.width)×\(image.height)")
            parts.append("\(image.colourSpace) \(image.bitsPerSample)-bit")
            if image.hasAlpha { parts.append("alpha") }
            if image.orientation != 1 { parts.append("orientation \(image.orientation)") }
            if image.pages > 1 { parts.append("\(image.pages) frames") }
        }
        if let damage = inspection.imageDamage { parts.append("unreadable: \(damage)") }
        if let refinement = inspection.detection.refinement {
            parts.append("libmagic said \(inspection.detection.libmagicMIME), refined by \(refinement)")
        }
        return parts.joined(separator: ", ")
    }
}
