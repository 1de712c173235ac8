import ArgumentParser
import Dispatch
import Foundation
import Synchronization
import WabaCampaign
import WabaClient
import WabaMedia

/// `send`'s result formats.
enum SendFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case json
    case junit
}

/// `send --manifest`: the options of a campaign.
struct CampaignOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Send every row of this manifest (.csv or .jsonl) instead of one file.", valueName: "path"))
    var manifest: String?

    @Option(name: .customLong("manifest-format"), help: "The manifest's format, when its extension does not say.")
    var manifestFormat: ManifestFormat?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Where each row's state is kept: a SQLite file (default: the manifest's path + .journal), or a PostgreSQL database shared by many workers (postgres://user@host:port/db).",
            valueName: "path|url"))
    var journal: String?

    @Flag(
        name: .customLong("adopt-journal"),
        help:
            "Take the SQLite journal as it is although it was copied from the file it was made in, or has other hard links (a journal restored from a backup): only when no other copy or name of it is used to send."
    )
    var adoptJournal = false

    @Option(name: .long, help: "Requests in flight at once.")
    var concurrency: Int = 8

    @Option(name: .long, help: "At most this many messages started per second (default: no limit).")
    var rate: Double?

    @Flag(
        name: .customLong("upload-each"),
        help: "Upload every message's media, instead of sending the first upload's media_url to the others.")
    var uploadEach = false

    @Flag(
        name: .customLong("retry-failed"),
        help: "Send again the rows that failed with 429, a 5xx, or a server that could not be reached.")
    var retryFailed = false

    @Flag(
        name: .customLong("resend-unknown"),
        help:
            "Send again the rows whose outcome is unknown (the request may have reached the server): only after checking they did not arrive."
    )
    var resendUnknown = false

    @Option(
        name: .long,
        help:
            "Seconds a claim holds without renewal: with a PostgreSQL journal, how long a crashed worker's rows wait before others take them (or call them unknown)."
    )
    var lease: Int = 60

    @Option(
        name: .customLong("stop-timeout"),
        help: "Seconds the first Ctrl-C waits for the requests in flight before aborting them.")
    var stopTimeout: Int = 30

    /// Checks the campaign's options against the single-message ones given with them.
    func validate(alongside message: MessageOptions) throws {
        if message.input != nil {
            throw ValidationError("give a file or --manifest, not both")
        }
        let perRow: [(String, Bool)] = [
            ("--contact", message.contact != nil), ("--thread", message.thread != nil),
            ("--caption", message.caption != nil), ("--file-name", message.fileName != nil),
            ("--type", message.type != nil), ("--no-save", message.noSave),
        ]
        if let (name, _) = perRow.first(where: \.1) {
            throw ValidationError(
                "\(name) is a column of the manifest (contact_id, thread_id, caption, file_name, media_type, save_message), not an option of a campaign"
            )
        }
        guard (1...1000).contains(concurrency) else {
            throw ValidationError("--concurrency must be from 1 to 1000, not \(concurrency)")
        }
        if let rate, !(rate > 0 && rate.isFinite) { throw ValidationError("--rate must be a positive number") }
        // Live workers renew every third of the lease: a few seconds is the least that survives a pause.
        guard (3...3_600).contains(lease) else { throw ValidationError("--lease must be from 3 to 3600 seconds") }
        guard (1...86_400).contains(stopTimeout) else {
            throw ValidationError("--stop-timeout must be from 1 to 86400 seconds")
        }
        if adoptJournal, let journal, case .postgres = JournalLocation(journal) {
            throw ValidationError(
                "--adopt-journal takes a copied SQLite journal; a PostgreSQL journal is one database, never a copy")
        }
    }

    func send(
        manifest path: String, message: MessageOptions, profile: MediaProfile, format: SendFormat,
        client configuration: SendMediaClient.Configuration
    ) async throws {
        let manifest = CampaignManifest(
            path: path, format: manifestFormat, defaultChannel: message.channel, profile: profile)
        do {
            let location = journal.map(JournalLocation.init) ?? .beside(manifest: path)
            try await location.withJournal(options: .init(adopt: adoptJournal)) { journal in
                try await send(
                    manifest: manifest, path: path, journal: journal, message: message, profile: profile,
                    format: format,
                    client: configuration)
            }
        } catch let error as CampaignJournalError {
            throw Self.failure(error)
        }
    }

    private func send(
        manifest: CampaignManifest, path: String, journal: any CampaignJournal, message: MessageOptions,
        profile: MediaProfile, format: SendFormat, client configuration: SendMediaClient.Configuration
    ) async throws {
        let client = try SendMediaClient(configuration: configuration)
        // The campaign's blocking work (its assets prepared and hashed, the manifest's hash): a thread per core.
        let executor = BlockingExecutor(threads: MediaChecker.defaultConcurrency)
        defer { executor.shutdown() }
        let preparer = try MediaPreparer(
            profile: profile, options: message.preparation.preparerOptions(jobs: executor.threads), executor: executor)
        let sender = CampaignSender(
            journal: journal, client: client, preparer: preparer,
            options: CampaignSender.Options(
                concurrency: concurrency, rate: rate, uploadEach: uploadEach, retryFailed: retryFailed,
                resendUnknown: resendUnknown, lease: .seconds(lease)))

        let run = sender.start(manifest)
        let interrupts = InterruptHandler { count in
            if count == 1 {
                Terminal.note(
                    "stopping: no new messages; waiting up to \(stopTimeout) s for those in flight (a second Ctrl-C, SIGTERM or SIGHUP aborts them)"
                )
                run.stop(gracePeriod: .seconds(stopTimeout))
            } else {
                Terminal.note("aborting: messages in flight are recorded as unknown")
                run.abort()
            }
        }
        let line = ProgressLine()
        for await progress in run.progress { line?.draw(always: true) { _ in progress.lineText } }
        line?.finish()
        let outcome: CampaignOutcome
        do {
            outcome = try await run.outcome()
        } catch {
            interrupts.cancel()
            try? await client.shutdown()
            throw Self.failure(error)
        }
        interrupts.cancel()
        try? await client.shutdown()

        try await CampaignPrinter(format: format, manifest: path).print(
            CampaignReport(journal: journal), counts: outcome.counts)
        if let note = outcome.recoveryNote { Terminal.note("note: \(note)") }
        if let shortfall = outcome.shortfall {
            Terminal.error(
                shortfall.message, hint: shortfall.hints.isEmpty ? nil : shortfall.hints.joined(separator: "; "))
            throw CommandFailure.rejected()
        }
    }

    private static func failure(_ error: any Error) -> any Error {
        guard let error = error as? CampaignJournalError else { return error }
        Terminal.error(error.message, hint: error.hint)
        return error.isWrongJournal
            ? CommandFailure(exitCode: ExitStatus.usage, message: "") : CommandFailure.rejected()
    }
}

/// Prints the report: every row of the journal, then the counts.
struct CampaignPrinter {
    let format: SendFormat
    let manifest: String

    func print(_ report: CampaignReport, counts: StateCounts) async throws {
        var buffer = Data()
        func emit(_ text: String) {
            buffer.append(contentsOf: text.utf8)
            if buffer.count >= 1 << 16 {
                Output.write(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        switch format {
        case .json:
            let encoder = Output.jsonEncoder()
            try await report.forEachRecord { record in
                emit(String(decoding: try encoder.encode(CampaignReport.RowLine(record)), as: UTF8.self) + "\n")
            }
            emit(String(decoding: try encoder.encode(CampaignReport.SummaryLine(counts)), as: UTF8.self) + "\n")
        case .junit:
            emit(CampaignReport.junitOpening(counts: counts))
            try await report.forEachRecord { emit(CampaignReport.junitCase($0, manifest: manifest)) }
            emit(CampaignReport.junitClosing)
        case .table:
            // Rows that were not sent, in blocks (columns line up within one), then the counts.
            var table = TextTable("ROW", "RECIPIENT", "MEDIA", "STATUS", "DETAIL")
            var rows = 0
            try await report.forEachRecord { record in
                guard record.state != .sent else { return }
                table.append(
                    "\(record.row.row)", record.row.recipient, record.row.media, record.state.rawValue,
                    record.error?.message ?? "")
                rows += 1
                if rows % TextTable.rowsPerBlock == 0 {
                    emit(table.render() + "\n")
                    table = TextTable("ROW", "RECIPIENT", "MEDIA", "STATUS", "DETAIL")
                }
            }
            if rows % TextTable.rowsPerBlock != 0 { emit(table.render() + "\n\n") }
            var summary = TextTable("STATUS", "ROWS")
            for state in [RowState.sent, .failed, .unknown, .rejected] {
                summary.append(state.rawValue, "\(counts[state])")
            }
            if counts.open > 0 { summary.append("not sent yet", "\(counts.open)") }
            summary.append("total", "\(counts.total)")
            emit(summary.render() + "\n")
        }
        Output.write(buffer)
    }
}

extension CampaignProgress {
    /// `send-campaign`'s progress line: counts per state, messages per second and the time left.
    fileprivate var lineText: String {
        var line = String(
            format: "%@: sent %d  failed %d  unknown %d  rejected %d  left %d  %.1f msg/s",
            phase.rawValue, counts[.sent], counts[.failed], counts[.unknown], counts[.rejected], counts.open,
            messagesPerSecond)
        if let eta = estimatedRemaining { line += String(format: "  ETA %.0fs", eta.seconds) }
        return line
    }
}
