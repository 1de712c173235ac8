// A long-running `wamedia` (a sandbox, a campaign worker) started by a test, stopped by its owner.
public import Foundation
import Synchronization

/// A `wamedia` process running beside the test: its standard output is collected as it comes,
/// standard error goes to a file. ``withBackgroundWamedia(_:environment:_:)`` owns one: the process
/// is killed and reaped when the closure ends, whatever happened.
public final class BackgroundProcess: Sendable {
    private let process: Process
    private let collected = Mutex(Data())
    private let errorURL: URL

    fileprivate init(_ arguments: [String], environment: [String: String]) throws {
        let process = Process()
        process.executableURL = executableURL
        process.arguments = arguments
        process.currentDirectoryURL = repositoryURL
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        errorURL = FileManager.default.temporaryDirectory.appendingPathComponent("wamedia-bg-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: errorURL.path, contents: nil) else {
            throw FixtureError("cannot create \(errorURL.path)")
        }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorURL)
        self.process = process
        try process.run()
        // A thread of its own: a busy test process can hold every dispatch worker, and the output
        // must still be read as it comes.
        Thread { [self] in
            while case let chunk = output.fileHandleForReading.availableData, !chunk.isEmpty {
                self.collected.withLock { $0.append(chunk) }
            }
        }.start()
    }

    public var processIdentifier: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    public var standardOutput: String { collected.withLock { String(decoding: $0, as: UTF8.self) } }
    public var standardError: String { (try? String(contentsOf: errorURL, encoding: .utf8)) ?? "" }

    /// The first line of standard output, waiting up to `seconds` for it (a sandbox prints its URL).
    public func firstLine(within seconds: Double = 60) async throws -> String {
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        // The output is looked at once more after the deadline: a busy test process may resume this
        // task only after it, with the line long there.
        while true {
            if let line = standardOutput.split(separator: "\n", omittingEmptySubsequences: false).first,
                standardOutput.contains("\n")
            {
                return String(line)
            }
            guard process.isRunning, ContinuousClock.now < end else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw FixtureError("wamedia printed no line within \(seconds) s: \(standardError.suffix(2_000))")
    }

    /// Sends `signal` (SIGTERM, SIGKILL…) to the process.
    public func signal(_ signal: Int32) { if process.isRunning { kill(process.processIdentifier, signal) } }

    /// Waits up to `seconds` for the process to end; its exit status, or nil if it still runs.
    public func exitStatus(within seconds: Double = 30) async throws -> Int32? {
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while process.isRunning, ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(20)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    fileprivate func end() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: errorURL)
    }
}

/// Runs `wamedia arguments` in the background for the length of `body`, then kills it if it still runs.
public func withBackgroundWamedia<Value>(
    _ arguments: [String], environment: [String: String] = [:], _ body: (BackgroundProcess) async throws -> Value
) async throws -> Value {
    let process = try BackgroundProcess(arguments, environment: environment)
    defer { process.end() }
    return try await body(process)
}
