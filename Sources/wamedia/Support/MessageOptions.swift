import ArgumentParser
import Foundation
import WabaMedia

/// The message options `payload` and `send` share.
struct MessageOptions: ParsableArguments {
    @Option(name: .long, help: "The media type (default: inferred from a file's content; required for a URL).")
    var type: MediaType?

    @Option(name: .long, help: "The caption shown under the media.")
    var caption: String?

    @Option(name: .long, help: "The WABA channel that sends (with --contact).")
    var channel: String?

    @Option(name: .long, help: "The recipient contact's UUID (with --channel).")
    var contact: String?

    @Option(name: .long, help: "An existing thread's id, instead of --channel and --contact.")
    var thread: String?

    @OptionGroup var preparation: PreparationOptions

    @Option(name: .customLong("file-name"), help: "The name the recipient sees (default: inferred from the input).")
    var fileName: String?

    @Flag(name: .customLong("no-save"), help: "Do not store the message in the conversation thread.")
    var noSave = false

    @Argument(help: "The file to send, or a public http(s) URL the platform fetches.")
    var input: String?

    var fields: MessageFields {
        MessageFields(
            channelID: channel, contactID: contact, threadID: thread, content: caption, fileName: fileName,
            saveMessage: !noSave)
    }

    func validate() throws {
        // Without a file, the command decides (`send --manifest` takes its recipients from the rows).
        if input != nil && thread == nil && (channel == nil || contact == nil) {
            throw ValidationError("give --channel and --contact, or --thread for an existing conversation")
        }
    }

    /// Detect, validate, transform and name, then `body` with the message; a rejection is printed
    /// in `format` and ends the command with status 1.
    func withPreparedMessage<Result>(
        profile: MediaProfile, format: OutputFormat, _ body: (PreparedMessage) async throws -> Result
    ) async throws -> Result {
        guard let input else { throw CommandFailure.usage("give the file to send, or a public http(s) URL") }
        // One file: one thread for its blocking work.
        return try await BlockingExecutor.withExecutor(threads: 1) { executor in
            let preparer = try preparation.preparer(profile: profile, executor: executor)
            do {
                return try await preparer.withPreparedMessage(input, as: type, fields: fields, body)
            } catch let rejection as WabaMediaError where rejection.code == .rejected {
                try failRejected(rejection, format: format)
            }
        }
    }
}

/// Prints why a file cannot be sent (its report) and ends with status 1.
func failRejected(_ rejection: WabaMediaError, format: OutputFormat) throws -> Never {
    if let report = rejection.report {
        switch format {
        case .json: try Output.json(report)
        case .table: Output.line(report.explanation().joined(separator: "\n"))
        }
    }
    throw CommandFailure.rejected(rejection.message)
}
