// The throwaway PostgreSQL cluster tests use: scripts/with-postgres.sh starts it on loopback and
// exports its URL; each test gets a database of its own, dropped afterwards.
public import Foundation

public enum TestPostgres {
    /// The cluster's URL (`postgres://wamedia@127.0.0.1:PORT/wamedia_test`), when tests run inside
    /// scripts/with-postgres.sh.
    public static let url = ProcessInfo.processInfo.environment["WAMEDIA_TEST_POSTGRES_URL"]
        .flatMap { $0.isEmpty ? nil : $0 }

    /// Whether tests that need PostgreSQL run: always in CI (where a missing cluster is a failure,
    /// never a skip), elsewhere only when a cluster is there. Use with `.enabled(if:)` and the note
    /// `"needs PostgreSQL: run the tests through scripts/with-postgres.sh"`.
    public static let runs = url != nil || runningInCI

    /// How long a test's journal may take to reach the cluster: at the start of a test run every
    /// suite starts at once, and on two cores the connection's steps wait their turn for a thread
    /// (the journal's own 30 s is for a server that does not answer).
    public static let contactLimit: Duration = .seconds(120)

    /// Runs `body` with the URL of a new, empty database in the cluster, dropped afterwards.
    /// Throws when there is no cluster (in CI: a test that needs it fails).
    public static func withDatabase<Value>(_ body: (String) async throws -> Value) async throws -> Value {
        guard let url, var components = URLComponents(string: url) else {
            throw FixtureError(
                "WAMEDIA_TEST_POSTGRES_URL is not set: run the tests through scripts/with-postgres.sh (scripts/test.sh does), which starts a throwaway PostgreSQL cluster"
            )
        }
        let name = "wamedia_t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        // psql waits for the server: on a thread of its own, never one of the test's cooperative threads.
        _ = try await offThePool {
            try runTool("psql", [url, "-v", "ON_ERROR_STOP=1", "-q", "-c", "CREATE DATABASE \(name)"])
        }
        components.path = "/" + name
        let databaseURL = components.string ?? url
        do {
            let value = try await body(databaseURL)
            await drop(name, from: url)
            return value
        } catch {
            await drop(name, from: url)
            throw error
        }
    }

    /// Drops a test's database, whatever still holds it open (a killed worker's connections).
    private static func drop(_ name: String, from url: String) async {
        _ = try? await offThePool {
            try runTool("psql", [url, "-q", "-c", "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"])
        }
    }
}
