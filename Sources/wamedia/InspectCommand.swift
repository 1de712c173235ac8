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
        let inspector = MediaInspector(detector: try MIMEDetector(), options: .init(imageVerification: .header))
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
                        inspection.file, inspection.mime.rawValue, ByteCount(inspection.size).description,
                        Self.details(of: inspection))
                }
            case .failure(let error):
                failures += 1
                let reason = error as? WabaMediaError
                Terminal.error(reason?.message ?? "\(error)", hint: reason?.hint)
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
            if image.pages > 1 { parts.append(image.framesDescription) }
        }
        if let damage = inspection.imageDamage { parts.append("unreadable: \(damage)") }
        if let av = inspection.av { parts += avDetails(av) }
        if let refinement = inspection.detection.refinement {
            parts.append("libmagic said \(inspection.detection.libmagicMIME), refined by \(refinement)")
        }
        return parts.joined(separator: ", ")
    }

    /// Container, duration and one entry per track: `mp4, 12.4 s, h264 main 3.1 1920×1080 30 fps, aac 2 ch 48 kHz`.
    static func avDetails(_ av: AVInfo) -> [String] {
        var parts = [av.brand.map { "\(av.container) (\($0.split(separator: " ").joined()))" } ?? "\(av.container)"]
        if let duration = av.durationSeconds { parts.append("\((duration * 100).rounded() / 100) s") }
        for track in av.tracks {
            var words = [track.codec]
            if let profile = track.h264Profile { words.append(profile + (track.h264Level.map { " \($0)" } ?? "")) }
            if let width = track.width, let height = track.height { words.append("\(width)×\(height)") }
            if let rate = track.frameRate { words.append("\((rate * 100).rounded() / 100) fps") }
            if track.hasBFrames == true { words.append("B-frames") }
            if let rotation = track.rotation, rotation != 0 { words.append("rotated \(rotation)°") }
            if let channels = track.channels { words.append("\(channels) ch") }
            if let rate = track.sampleRate { words.append("\(rate) Hz") }
            if track.kind != .video && track.kind != .audio { words.append("(\(track.kind))") }
            parts.append(words.joined(separator: " "))
        }
        if av.faststart == false { parts.append("moov at end") }
        if !av.problems.isEmpty { parts.append("damaged: " + av.problems.joined(separator: "; ")) }
        return parts
    }
}
