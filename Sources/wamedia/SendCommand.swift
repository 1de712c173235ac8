import ArgumentParser
import Foundation
import Synchronization
import WabaClient
import WabaMedia

struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Check, prepare and send one media message, or a whole campaign (--manifest), to the send-media API.",
        discussion: """
            Runs detect, validate, transform, name and encode, then posts the body as a stream with \
            its exact Content-Length. A rejected file is never sent (exit status 1 with the findings). \
            The API key comes from --api-key or WAMEDIA_API_KEY and is never printed. Only a request that \
            provably never reached the server (connection refused) is retried, unless \
            --retry-on-server-error is given: the call sends a WhatsApp message and is not idempotent.

            With --manifest, sends every row of a CSV or JSON Lines manifest (the columns of \
            'check --manifest' plus contact_id with channel_id or --channel, or thread_id, and an \
            optional save_message), each message at most once: a journal (--journal) records every \
            row's state, and running the same command again resumes. Exit status 0 only when every \
            row is sent. The first Ctrl-C stops claiming rows and lets requests in flight finish; \
            the second aborts them (their rows become 'unknown').
            """)

    @OptionGroup var message: MessageOptions
    @OptionGroup var profileOptions: ProfileOptions
    @OptionGroup var campaign: CampaignOptions

    @Option(
        name: .long,
        help:
            "How results are printed: table (for people), json (one object per line; with --manifest one per row, then a summary object) or junit (with --manifest: XML for CI systems)."
    )
    var format: SendFormat = .table

    @Option(name: .customLong("api-key"), help: "The API key (default: $WAMEDIA_API_KEY).")
    var apiKey: String?

    @Option(
        name: .customLong("base-url"),
        help: "The API's origin (default: $WAMEDIA_BASE_URL, else \(SendMediaClient.Configuration.defaultBaseURL)).")
    var baseURL: String?

    @Flag(name: .customLong("dry-run"), help: "Stop before sending: show what would be sent.")
    var dryRun = false

    @Flag(
        name: .customLong("retry-on-server-error"),
        help: "Also retry after a 5xx or a broken connection (the message may then be sent twice).")
    var retryOnServerError = false

    @Option(name: .customLong("connect-timeout"), help: "Seconds to wait for the connection.")
    var connectTimeout: Int = 10

    @Option(name: .customLong("read-timeout"), help: "Seconds to wait for the server's answer once the body is out.")
    var readTimeout: Int = 120

    @Option(
        name: .customLong("write-timeout"),
        help: "Seconds the upload may make no progress (a server that stopped reading) before the send gives up.")
    var writeTimeout: Int = 60

    @Option(
        name: .customLong("deadline"), help: "Seconds the whole send may take, retries included (default: no limit).")
    var deadline: Int?

    func validate() throws {
        if campaign.manifest == nil {
            if message.input == nil { throw ValidationError("give the file to send, or --manifest for a campaign") }
            if format == .junit { throw ValidationError("--format junit is for campaigns: give --manifest") }
        } else {
            try campaign.validate(alongside: message)
            if dryRun {
                throw ValidationError("--dry-run sends nothing: for a campaign, run 'wamedia check --manifest'")
            }
        }
        let limit = SendMediaClient.Configuration.timeoutRange.upperBound.components.seconds
        let timeouts =
            [
                ("--connect-timeout", connectTimeout), ("--read-timeout", readTimeout),
                ("--write-timeout", writeTimeout),
            ] + (deadline.map { [("--deadline", $0)] } ?? [])
        for (name, seconds) in timeouts where !(1...limit).contains(Int64(seconds)) {
            throw ValidationError("\(name) must be from 1 to \(limit) seconds (a day), not \(seconds)")
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let key = apiKey ?? environment["WAMEDIA_API_KEY"]
        let base = baseURL ?? environment["WAMEDIA_BASE_URL"] ?? SendMediaClient.Configuration.defaultBaseURL
        if !dryRun, key?.isEmpty ?? true {
            throw CommandFailure.usage("no API key: give --api-key or set WAMEDIA_API_KEY")
        }
        // The URL, the key and the timeouts are checked before the file is prepared or anything is sent.
        let configuration = SendMediaClient.Configuration(
            baseURL: base, apiKey: key ?? "", connectTimeout: .seconds(connectTimeout),
            readTimeout: .seconds(readTimeout), writeTimeout: .seconds(writeTimeout),
            deadline: deadline.map { .seconds($0) },
            retryOnServerError: retryOnServerError)
        try configuration.validate()

        if let manifest = campaign.manifest {
            try await campaign.send(
                manifest: manifest, message: message, profile: try profileOptions.load(), format: format,
                client: configuration)
            return
        }
        try await message.withPreparedMessage(profile: try profileOptions.load(), format: outputFormat) { prepared in
            for finding in prepared.media?.finalReport.findings ?? [] where finding.severity == .warning {
                Terminal.note("warning: \(finding.code): \(finding.message)")
            }
            if dryRun {
                render(prepared: prepared, result: nil, seconds: nil)
                return
            }
            try await send(prepared, configuration: configuration)
        }
    }

    /// The format of a single message's result.
    private var outputFormat: OutputFormat { format == .json ? .json : .table }

    private func send(_ prepared: PreparedMessage, configuration: SendMediaClient.Configuration) async throws {
        let client = try SendMediaClient(configuration: configuration)
        let total = prepared.payload.contentLength
        // A small body is sent before a line would help.
        let line = total >= 1_000_000 ? ProgressLine() : nil
        let started = ContinuousClock.now
        var progress: SendMediaClient.Progress?
        if let line {
            progress = { @Sendable sent, _ in
                line.draw(always: sent == total) { Self.progressText(sent: sent, of: total, elapsedSeconds: $0) }
            }
        }
        let outcome: Result<SendMediaResult, SendMediaError>
        do throws(SendMediaError) {
            outcome = .success(try await client.send(prepared.payload, progress: progress))
        } catch {
            outcome = .failure(error)
        }
        line?.finish()
        try? await client.shutdown()
        let elapsed = ContinuousClock.now - started
        let seconds = elapsed.seconds

        switch outcome {
        case .success(let result):
            render(prepared: prepared, result: result, seconds: seconds)
        case .failure(let error):
            if format == .json {
                try Output.json(SendFailureOutput(error: error, fileName: prepared.fileName.name))
            }
            Terminal.error(error.message, hint: error.hint)
            throw CommandFailure.rejected()
        }
    }

    private func render(prepared: PreparedMessage, result: SendMediaResult?, seconds: Double?) {
        let payload = prepared.payload
        switch outputFormat {
        case .json:
            try? Output.json(
                SendOutput(
                    status: result == nil ? "dry-run" : "sent", mediaType: prepared.request.mediaType.rawValue,
                    fileName: prepared.fileName.name, fileNameOrigin: prepared.fileName.origin.rawValue,
                    mediaBytes: payload.mediaByteCount, bodyBytes: payload.contentLength,
                    transformed: prepared.media.map { $0.action == .kept ? nil : $0.steps } ?? nil, seconds: seconds,
                    result: result))
        case .table:
            var table = TextTable("FIELD", "VALUE")
            table.append("status", result == nil ? "dry-run (not sent)" : "sent")
            table.append("media_type", prepared.request.mediaType.rawValue)
            table.append("file_name", "\(prepared.fileName.name) (\(prepared.fileName.origin.rawValue))")
            if case .url(let url) = prepared.request.mediaData {
                table.append("media_data", url)
            } else {
                table.append("media", ByteCount(payload.mediaByteCount).description)
            }
            if let media = prepared.media, media.action != .kept, !media.steps.isEmpty {
                let steps = media.steps
                table.append("transformed", steps.joined(separator: "; "))
            }
            table.append("body", "\(payload.contentLength) bytes")
            if let result {
                table.append("message_id", result.messageID)
                table.append("provider_id", result.providerID)
                table.append("media_url", result.mediaURL)
                table.append("thread_id", result.threadID)
                if result.attempts > 1 { table.append("attempts", "\(result.attempts)") }
            }
            if let seconds { table.append("time", String(format: "%.2f s", seconds)) }
            Output.line(table.render())
        }
    }
}

private struct SendOutput: Encodable {
    var status: String
    var mediaType: String
    var fileName: String
    var fileNameOrigin: String
    var mediaBytes: Int
    var bodyBytes: Int
    var transformed: [String]?
    var seconds: Double?
    var result: SendMediaResult?

    enum CodingKeys: String, CodingKey {
        case status, transformed, seconds, result
        case mediaType = "media_type"
        case fileName = "file_name"
        case fileNameOrigin = "file_name_origin"
        case mediaBytes = "media_bytes"
        case bodyBytes = "body_bytes"
    }
}

private struct SendFailureOutput: Encodable {
    var error: SendMediaError
    var fileName: String

    enum CodingKeys: String, CodingKey {
        case status, kind, message, hint, attempts
        case httpStatus = "http_status"
        case serverMessage = "server_message"
        case fileName = "file_name"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("failed", forKey: .status)
        try container.encode(error.kind.rawValue, forKey: .kind)
        try container.encodeIfPresent(error.status, forKey: .httpStatus)
        try container.encodeIfPresent(error.serverMessage, forKey: .serverMessage)
        try container.encode(error.message, forKey: .message)
        try container.encode(error.hint, forKey: .hint)
        try container.encode(error.attempts, forKey: .attempts)
        try container.encode(fileName, forKey: .fileName)
    }
}

extension SendCommand {
    /// `send`'s progress line: a bar, the bytes sent, the rate and the time left.
    fileprivate static func progressText(sent: Int, of total: Int, elapsedSeconds elapsed: Double) -> String {
        let rate = elapsed > 0 ? Double(sent) / elapsed : 0
        let eta = rate > 0 ? Double(total - sent) / rate : 0
        let fraction = total > 0 ? Double(sent) / Double(total) : 1
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        return String(
            format: "[%@] %3.0f%%  %@ / %@  %@/s  ETA %.0fs ", bar, fraction * 100, ByteCount(sent).description,
            ByteCount(total).description, ByteCount(Int(rate)).description, eta)
    }
}
