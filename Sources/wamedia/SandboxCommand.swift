import ArgumentParser
import Foundation
import WabaMedia
import WabaSandbox

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run a local stand-in for the send-media API, for trying 'send' without sending anything.",
        discussion: """
            Prints its URL on standard output and runs until SIGINT or SIGTERM. It keeps the real \
            contract: 401 without the key, 400 for missing fields or media the project's own checks \
            refuse for the media_type, 404 for contact \(SandboxConfiguration.unknownContactID) (or any \
            contact not in --contact-list when one is given), 400 for channel \(SandboxConfiguration.nonWABAChannelID). \
            --fail-next N (or a request header '\(SandboxConfiguration.failHeader): 500') makes requests fail \
            with 500 after their body was read. URL media is passed through, never fetched; a URL the \
            platform could not reach (loopback, private, localhost) is refused with 400, except the \
            media_url of an upload to this sandbox. A body that is not application/json is refused \
            with 400, one over the size limit with 413 as soon as that is known; a request's head must \
            arrive within 10 s and a stalled body is cut off after 30 s.
            """)

    @Option(name: .long, help: "The port to listen on (0: any free port).")
    var port: Int = 8787

    @Option(name: .long, help: "The address to listen on.")
    var host: String = "127.0.0.1"

    @Option(
        name: .customLong("api-key"),
        help: "The key clients must send (default: \(SandboxConfiguration.defaultAPIKey)).")
    var apiKey: String = SandboxConfiguration.defaultAPIKey

    @Option(name: .long, help: "Keep received media and their metadata in this folder, one folder per message.")
    var store: String?

    @Option(name: .customLong("fail-next"), help: "Answer 500 to the first N requests.")
    var failNext: Int = 0

    @Option(name: .customLong("contact-list"), help: "Only these contacts exist (comma-separated UUIDs).")
    var contactList: String?

    @OptionGroup var profileOptions: ProfileOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard failNext >= 0 else { throw ValidationError("--fail-next cannot be negative") }
        guard !apiKey.isEmpty else { throw ValidationError("--api-key cannot be empty") }
    }

    func run() async throws {
        let contacts = contactList.map {
            Set($0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
        }
        let server = try SandboxServer(
            configuration: SandboxConfiguration(
                host: host, port: port, apiKey: apiKey, storeDirectory: store, failNext: failNext,
                knownContacts: contacts, profile: try profileOptions.load()))
        try await server.run { url in
            Output.line(url)
            Terminal.note("sandbox send-media API at \(url)/v1/waba/send-media; stop with Ctrl-C")
            Terminal.note("inbox (what recipients would see) at \(url)/")
        }
    }
}
