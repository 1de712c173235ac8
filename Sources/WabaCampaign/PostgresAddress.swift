import Foundation
import NIOCore
import PostgresNIO

/// A `postgres://` URL, read into a client configuration.
struct PostgresAddress: Sendable {
    var configuration: PostgresClient.Configuration
    /// The URL without its password, for messages.
    var redacted: String
    private var tlsMode: TLSMode

    private enum TLSMode {
        case disable, prefer, require
    }

    init(_ text: String) throws {
        func invalid(_ why: String) -> CampaignJournalError {
            CampaignJournalError(
                .storage, "--journal \(Self.redact(text)) is not a PostgreSQL URL: \(why)",
                hint: "write it as postgres://user[:password]@host[:port]/database")
        }
        guard let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql"
        else { throw invalid("it must start with postgres://") }
        guard let host = components.host, !host.isEmpty else { throw invalid("it names no host") }
        guard let user = components.user, !user.isEmpty else { throw invalid("it names no user") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw invalid("it names no database") }
        let port = components.port ?? 5432
        let password = components.password ?? ProcessInfo.processInfo.environment["PGPASSWORD"]
        let tls: PostgresClient.Configuration.TLS
        switch components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer" {
        case "disable":
            tls = .disable
            tlsMode = .disable
        case "prefer", "allow":
            tls = .prefer(.makeClientConfiguration())
            tlsMode = .prefer
        case "require", "verify-ca", "verify-full":
            tls = .require(.makeClientConfiguration())
            tlsMode = .require
        case let other: throw invalid("sslmode \(other) is not one of disable, prefer, require")
        }
        configuration = PostgresClient.Configuration(
            host: host, port: port, username: user.removingPercentEncoding ?? user,
            password: password?.removingPercentEncoding ?? password,
            database: database.removingPercentEncoding ?? database,
            tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        // A worker keeps a few connections: one for claims and records, one for lease renewal.
        configuration.options.maximumConnections = 4
        redacted = Self.redact(text)
    }

    /// The same server, user, database and TLS for one connection of its own, outside the pool.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch tlsMode {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try .init(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try .init(configuration: .makeClientConfiguration()))
        }
        var connection = PostgresConnection.Configuration(
            host: configuration.host ?? "", port: configuration.port ?? 5432, username: configuration.username,
            password: configuration.password, database: configuration.database, tls: tls)
        connection.options.connectTimeout = TimeAmount(configuration.options.connectTimeout)
        return connection
    }

    /// `text` with any password replaced by `***`.
    static func redact(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? "postgres://…"
    }
}
