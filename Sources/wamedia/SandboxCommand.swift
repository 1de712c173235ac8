import ArgumentParser
import Foundation
import WabaMedia
import WabaSandbox

struct SandboxCommand: AsyncParsableCommand, StopsOnTermination {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run a local stand-in for the send-media API, for trying 'send' without sending anything.",
        discussion: """
            Prints its URL on standard output and runs until SIGINT or SIGTERM. It keeps the real \
            contract: 401 without the key, 400 for missing fields or media the project's own checks \
            refuse for the media_type, 404 for contact \(SandboxConfiguration.unknownContactID) (or any \
            contact not in --contact-list when one is given), 400 for channel \(SandboxConfiguration.nonWABAChannelID). \
            For rehearsing a campaign: --fail-first N fails the first N valid sends with 500 after their \
            body was read, --fail-rate P a share P of them (reproducibly with --seed), --slow-ms N holds \
            every answer back N ms, and --rate-limit N answers 429 with Retry-After above N sends per \
            second; a request header '\(SandboxConfiguration.failHeader): 500' fails that one request. \
            GET /sandbox/accepted lists every accepted message as JSON Lines (message_id, recipient, \
            base64 or URL, the media's SHA-256 and size, the time), GET /sandbox/counts what was answered. URL media is passed through, never fetched; a URL the \
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

    @Option(
        name: [.customLong("fail-first"), .customLong("fail-next")],
        help: "Answer 500 to the first N valid sends (--fail-next is the older name).")
    var failFirst: Int = 0

    @Option(name: .customLong("fail-rate"), help: "Answer 500 to this share (0 to 1) of valid sends.")
    var failRate: Double = 0

    @Option(
        name: .long, help: "Seed of --fail-rate's draws: the same seed fails the same sends (default: random, printed)."
    )
    var seed: UInt64?

    @Option(name: .customLong("slow-ms"), help: "Hold every send-media answer back this many milliseconds.")
    var slowMilliseconds: Int = 0

    @Option(
        name: .customLong("rate-limit"), help: "Answer 429 with Retry-After above this many sends per second.")
    var rateLimit: Int?

    @Option(name: .customLong("contact-list"), help: "Only these contacts exist (comma-separated UUIDs).")
    var contactList: String?

    @OptionGroup var profileOptions: ProfileOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard failFirst >= 0 else { throw ValidationError("--fail-first cannot be negative") }
        guard failRate.isFinite, (0...1).contains(failRate) else {
            throw ValidationError("--fail-rate must be a share from 0 to 1 (0.1 fails one send in ten)")
        }
        let longest = SandboxConfiguration.longestAnswerDelay.components.seconds * 1000
        guard (0...longest).contains(Int64(slowMilliseconds)) else {
            throw ValidationError("--slow-ms must be from 0 to \(longest)")
        }
        if let rateLimit, rateLimit < 1 { throw ValidationError("--rate-limit must be at least 1 send per second") }
        guard !apiKey.isEmpty else { throw ValidationError("--api-key cannot be empty") }
    }

    func run() async throws {
        let contacts = contactList.map {
            Set($0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
        }
        let server = try SandboxServer(
            configuration: SandboxConfiguration(
                host: host, port: port, apiKey: apiKey, storeDirectory: store, failFirst: failFirst, failRate: failRate,
                failRateSeed: seed, answerDelay: .milliseconds(slowMilliseconds), rateLimit: rateLimit,
                knownContacts: contacts, profile: try profileOptions.load()))
        if failRate > 0 {
            Terminal.note(
                "failing \(failRate) of sends with 500; --seed \(server.failRateSeed) fails the same ones again")
        }
        try await server.run { url in
            Output.line(url)
            Terminal.note("sandbox send-media API at \(url)/v1/waba/send-media; stop with Ctrl-C")
            Terminal.note("inbox (what recipients would see) at \(url)/")
        }
    }
}
