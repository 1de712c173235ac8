import ArgumentParser
import Foundation
import Logging
import WabaGateway
import WabaMedia

struct ServeCommand: AsyncParsableCommand, StopsOnTermination {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a media gateway: the send-media API, every file prepared before it goes upstream.",
        discussion: """
            Serves POST /v1/waba/send-media with the API's own contract: point a client's base URL at it. \
            Each base64 file is checked and made to conform (the same preparation as 'send', with the \
            request's media_type, content and file_name) and sent upstream with the client's x-api-key, \
            which is never logged. The upstream's status and body come back unchanged, with the headers \
            Wamedia-Verdict, Wamedia-Action and Wamedia-Request-Id; GET /v1/reports/ID gives the full \
            check for a while. A file that cannot be sent is answered 400 with its findings, and nothing \
            goes upstream. A media_data link is checked to reach a public address and passed on as it is. \
            GET /healthz answers ok. Prints its URL on standard output and runs until SIGINT or SIGTERM. \
            See docs/gateway.md.
            """)

    @Option(name: .long, help: "The send-media API to pass requests to (default: $WAMEDIA_UPSTREAM).")
    var upstream: String?

    @Option(name: .long, help: "The port to listen on (0: any free port).")
    var port: Int = 8790

    @Option(name: .long, help: "The address to listen on; anything but loopback needs --client-token.")
    var host: String = "127.0.0.1"

    @Option(
        name: .customLong("client-token"),
        help: "Clients must send Authorization: Bearer TOKEN (default: $WAMEDIA_CLIENT_TOKEN).")
    var clientToken: String?

    @Flag(
        name: .customLong("allow-private-links"),
        help: "Pass on media_data links to loopback and private addresses (for tests on one machine).")
    var allowPrivateLinks = false

    @Option(name: .long, help: "Files prepared at once (default: the number of cores).")
    var jobs: Int = MediaChecker.defaultConcurrency

    @OptionGroup var profileOptions: ProfileOptions

    @OptionGroup var preparation: PreparationOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if resolvedUpstream == nil {
            throw ValidationError(
                "no upstream: give --upstream URL (the send-media API's origin, e.g. https://api.contactship.ai) or set WAMEDIA_UPSTREAM"
            )
        }
        if let token = resolvedClientToken, token.isEmpty { throw ValidationError("--client-token cannot be empty") }
    }

    private var resolvedUpstream: String? {
        let value = upstream ?? ProcessInfo.processInfo.environment["WAMEDIA_UPSTREAM"]
        return value?.isEmpty == false ? value : nil
    }

    private var resolvedClientToken: String? {
        clientToken ?? ProcessInfo.processInfo.environment["WAMEDIA_CLIENT_TOKEN"]
    }

    func run() async throws {
        guard let upstream = resolvedUpstream else { throw CommandFailure.usage("no upstream: give --upstream URL") }
        let configuration = GatewayConfiguration(
            upstream: upstream, host: host, port: port, profile: try profileOptions.load(),
            preparation: preparation.preparerOptions(jobs: jobs), preparationThreads: jobs,
            clientToken: resolvedClientToken, allowPrivateLinks: allowPrivateLinks)
        if let problem = configuration.exposureProblem {
            throw CommandFailure.usage(
                "\(problem): give --client-token (clients then send Authorization: Bearer …), or listen on 127.0.0.1")
        }
        // One line per request on standard error: what was done, never a key, a caption or media.
        let logger = Logger(label: "wamedia.serve", factory: { StreamLogHandler.standardError(label: $0) })
        let gateway = try GatewayServer(configuration: configuration, logger: logger)
        try await gateway.run { url in
            Output.line(url)
            Terminal.note("media gateway at \(url)/v1/waba/send-media, sending to \(upstream); stop with Ctrl-C")
        }
    }
}
