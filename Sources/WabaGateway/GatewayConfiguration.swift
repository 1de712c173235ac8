public import Foundation
public import WabaMedia

/// How a ``GatewayServer`` listens, where it sends, and how it prepares files.
public struct GatewayConfiguration: Sendable {
    /// The send-media API the gateway passes requests to (its origin; the path is appended).
    public var upstream: String
    public var host: String
    /// 0 picks a free port.
    public var port: Int
    /// The limits files are checked and prepared against.
    public var profile: MediaProfile
    /// How files are made to conform: the CLI's preparation options.
    public var preparation: MediaPreparer.Options
    /// Files prepared at once: the threads of the gateway's blocking executor.
    public var preparationThreads: Int
    /// When set, every request but `/healthz` must carry `Authorization: Bearer <token>`; required to
    /// listen on anything but loopback.
    public var clientToken: String?
    /// Lets `media_data` links reach loopback and private addresses (for tests on one machine).
    public var allowPrivateLinks: Bool
    /// The largest body taken; nil: the profile's largest media limit as base64, plus 1 MiB of fields.
    public var maxBodyBytes: Int?
    /// Where uploads are decoded and files prepared (each request in a folder of its own).
    public var temporaryDirectory: String
    /// How many reports `GET /v1/reports/{id}` keeps, and for how long.
    public var reportCapacity: Int
    public var reportLifetime: Duration
    /// Timeouts of the upstream request (the CLI's defaults).
    public var connectTimeout: Duration
    public var readTimeout: Duration
    public var writeTimeout: Duration

    public init(
        upstream: String, host: String = "127.0.0.1", port: Int = 8790, profile: MediaProfile = .whatsappCloud,
        preparation: MediaPreparer.Options = .init(), preparationThreads: Int = MediaChecker.defaultConcurrency,
        clientToken: String? = nil, allowPrivateLinks: Bool = false, maxBodyBytes: Int? = nil,
        temporaryDirectory: String = NSTemporaryDirectory(), reportCapacity: Int = 1000,
        reportLifetime: Duration = .seconds(15 * 60), connectTimeout: Duration = .seconds(10),
        readTimeout: Duration = .seconds(120), writeTimeout: Duration = .seconds(60)
    ) {
        self.upstream = upstream
        self.host = host
        self.port = port
        self.profile = profile
        self.preparation = preparation
        self.preparationThreads = max(1, preparationThreads)
        self.clientToken = clientToken
        self.allowPrivateLinks = allowPrivateLinks
        self.maxBodyBytes = maxBodyBytes
        self.temporaryDirectory = temporaryDirectory
        self.reportCapacity = max(0, reportCapacity)
        self.reportLifetime = reportLifetime
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.writeTimeout = writeTimeout
    }

    /// The largest media any type may be, in bytes.
    var maxMediaBytes: Int { MediaType.allCases.map { profile.maxBytes(for: $0) }.max() ?? 0 }

    /// The body limit: the largest media as base64, and room for the other fields.
    public var bodyLimit: Int { maxBodyBytes ?? (min(maxMediaBytes, Int.max / 4) + 2) / 3 * 4 + (1 << 20) }

    /// Why this configuration cannot serve, or nil: a non-loopback address without a client token.
    public var exposureProblem: String? {
        guard clientToken == nil, !Self.isLoopback(host) else { return nil }
        return "listening on \(host) exposes the gateway (and the API keys its clients send) beyond this machine"
    }

    /// `127.0.0.0/8`, `::1` and `localhost`.
    static func isLoopback(_ host: String) -> Bool {
        let name = host.lowercased()
        if name == "localhost" || name == "::1" || name == "[::1]" { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
