// What the test targets share: the repository's folders, fixture tools, and running the built CLI.
public import Foundation
import Synchronization

/// The repository's root, samples/ and profiles/ folders.
public let repositoryURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
public let samplesURL = repositoryURL.appendingPathComponent("samples")
public let profilesURL = repositoryURL.appendingPathComponent("profiles")

public struct FixtureError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Whether the tests run in CI, where a test that needs a tool or a service fails when it is
/// missing instead of being skipped.
public let runningInCI = ProcessInfo.processInfo.environment["CI"] == "true"

/// A fresh folder under the system's temporary directory.
public func makeTemporaryDirectory(_ label: String = "wamedia-tests") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Runs a tool the tests make fixtures with (vips, ffmpeg, python3, ...), throwing with its
/// output when it fails.
@discardableResult
public func runTool(_ tool: String, _ arguments: [String], in directory: URL? = nil) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    if let directory { process.currentDirectoryURL = directory }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard process.terminationStatus == 0 else {
        throw FixtureError("\(tool) \(arguments.joined(separator: " ")) failed: \(text)")
    }
    return text
}

/// One run of the built `wamedia` executable, as users run it.
public struct CLIRun: Sendable {
    public var status: Int32
    public var standardOutput: String
    public var standardError: String

    public init(status: Int32, standardOutput: String, standardError: String) {
        self.status = status
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    /// Every JSON object of a `--format json` run, one per line, the closing summary included.
    public func allJSONLines() throws -> [[String: Any]] {
        try standardOutput.split(separator: "\n").map { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw FixtureError("not a JSON object: \(line)")
            }
            return object
        }
    }

    /// The JSON objects of a `--format json` run without the closing summary object.
    public func jsonLines() throws -> [[String: Any]] {
        try allJSONLines().filter { $0["summary"] as? Bool != true }
    }
}

/// The `wamedia` executable beside the test bundle in the build folder.
public let executableURL: URL = {
    var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("wamedia").path), folder.path != "/" {
        folder.deleteLastPathComponent()
    }
    return folder.appendingPathComponent("wamedia")
}()

public func wamedia(_ arguments: String..., in directory: URL? = nil, environment: [String: String] = [:]) throws
    -> CLIRun
{
    try wamedia(arguments, in: directory, environment: environment)
}

/// How long one run of `wamedia` may take before the test ends it: a hang is a failure, not a stall.
public let wamediaTimeLimit: TimeInterval = 300

/// Runs `wamedia` with `arguments` in `directory` (the repository by default), ending it after
/// `timeLimit` seconds.
public func wamedia(
    _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
    timeLimit: TimeInterval = wamediaTimeLimit
) throws -> CLIRun {
    let process = Process()
    process.executableURL = executableURL
    process.arguments = arguments
    process.currentDirectoryURL = directory ?? repositoryURL
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    // Standard error goes to a file so neither stream can fill up and stall the process.
    let errorURL = FileManager.default.temporaryDirectory.appendingPathComponent("wamedia-stderr-\(UUID().uuidString)")
    guard FileManager.default.createFile(atPath: errorURL.path, contents: nil) else {
        throw FixtureError("cannot create \(errorURL.path)")
    }
    defer { try? FileManager.default.removeItem(at: errorURL) }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = try FileHandle(forWritingTo: errorURL)
    try process.run()
    let stop = DispatchWorkItem { if process.isRunning { process.terminate() } }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeLimit, execute: stop)
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    stop.cancel()
    return CLIRun(
        status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
        standardError: try String(contentsOf: errorURL, encoding: .utf8))
}

/// Runs `wamedia` on a thread of its own, so a test server in this process keeps answering meanwhile.
public func wamediaAsync(
    _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
    timeLimit: TimeInterval = wamediaTimeLimit
) async throws -> CLIRun {
    try await offThePool { try wamedia(arguments, in: directory, environment: environment, timeLimit: timeLimit) }
}

/// Runs blocking work (a child process and its wait) on a thread of its own. A test that waits on a
/// program talking to a server in this process must not hold one of Swift's few cooperative
/// threads meanwhile: the server's handlers need them, and with every one held both sides wait.
public func offThePool<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}

/// Headless Chromium, as the browser tests drive it: a throw-away profile, no sandbox (tests run as
/// root), and every name resolved to nothing and every connection but loopback sent to a closed
/// port, so a page can only reach 127.0.0.1. Every run is bounded in time.
public enum Chromium {
    /// Seconds one run may take before it is stopped and the test fails.
    public static let timeLimit: TimeInterval = 60

    /// The DOM once the page loaded and its scripts ran (`--dump-dom`).
    public static func dumpDOM(_ url: String) throws -> String {
        try run(["--dump-dom", url])
    }

    /// A PNG screenshot of `url` at `width`×`height` CSS pixels.
    public static func screenshot(_ url: String, to path: String, width: Int = 1280, height: Int = 800) throws {
        try? FileManager.default.removeItem(atPath: path)
        _ = try run([
            "--hide-scrollbars", "--window-size=\(width),\(height)",
            "--screenshot=\(path)", url,
        ])
        guard FileManager.default.fileExists(atPath: path) else {
            throw FixtureError("chromium wrote no screenshot at \(path)")
        }
    }

    /// Opens `url` and keeps it open in real time (scripts/browser/watch-page.py drives Chromium
    /// through its DevTools pipe): once the JavaScript expression `ready` holds, runs `whileOpen`,
    /// then waits for `done` and returns the page's DOM. Fails when either takes over `seconds`.
    public static func watch(
        _ url: String, ready: String, done: String, seconds: Int = 30, whileOpen: () async throws -> Void
    ) async throws -> String {
        let profile = try makeTemporaryDirectory("wamedia-chromium")
        defer { try? FileManager.default.removeItem(at: profile) }
        let script = repositoryURL.appendingPathComponent("scripts/browser/watch-page.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, url, ready, done, String(seconds)] + flags(profile: profile)
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let collected = Mutex(Data())
        let finished = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            while case let chunk = output.fileHandleForReading.availableData, !chunk.isEmpty {
                collected.withLock { $0.append(chunk) }
            }
            finished.signal()
        }
        let limit = Date().addingTimeInterval(TimeInterval(seconds + 15))
        func text() -> String { collected.withLock { String(decoding: $0, as: UTF8.self) } }
        while !text().hasPrefix("READY\n"), process.isRunning, Date() < limit {
            try await Task.sleep(for: .milliseconds(50))
        }
        guard text().hasPrefix("READY\n") else {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw FixtureError("the page at \(url) never got ready (\(ready)): \(log) \(text().prefix(2_000))")
        }
        try await whileOpen()
        while process.isRunning, Date() < limit { try await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw FixtureError("watching \(url) took over \(seconds + 15) s")
        }
        _ = finished.wait(timeout: .now() + 5)
        let dom = String(text().dropFirst("READY\n".count))
        guard process.terminationStatus == 0 else {
            let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw FixtureError("the page never showed \(done) within \(seconds) s: \(log) \(dom.suffix(3_000))")
        }
        return dom
    }

    /// A private profile, no sandbox (root), and nothing reachable but loopback.
    static func flags(profile: URL) -> [String] {
        [
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync", "--disable-background-networking",
            "--disable-component-update", "--disable-default-apps", "--disable-extensions",
            "--user-data-dir=\(profile.path)", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1",
        ]
    }

    static func run(_ arguments: [String]) throws -> String {
        let profile = try makeTemporaryDirectory("wamedia-chromium")
        defer { try? FileManager.default.removeItem(at: profile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["chromium", "--headless"] + flags(profile: profile) + arguments
        let output = Pipe()
        let errors = profile.appendingPathComponent("stderr.txt")
        guard FileManager.default.createFile(atPath: errors.path, contents: nil) else {
            throw FixtureError("cannot create \(errors.path)")
        }
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errors)
        do {
            try process.run()
        } catch {
            throw FixtureError("chromium did not start (scripts/install-deps.sh installs it): \(error)")
        }
        // Read on another thread so the deadline below holds even if chromium never closes its output.
        let data = Mutex(Data())
        let reader = DispatchGroup()
        reader.enter()
        DispatchQueue.global().async {
            let all = output.fileHandleForReading.readDataToEndOfFile()
            data.withLock { $0 = all }
            reader.leave()
        }
        let deadline = Date().addingTimeInterval(timeLimit)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            _ = reader.wait(timeout: .now() + 5)
            throw FixtureError("chromium \(arguments.joined(separator: " ")) took over \(Int(timeLimit)) s")
        }
        _ = reader.wait(timeout: .now() + 5)
        let text = data.withLock { String(decoding: $0, as: UTF8.self) }
        guard process.terminationStatus == 0 else {
            let log = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw FixtureError("chromium exited with \(process.terminationStatus): \(log.suffix(2_000))")
        }
        return text
    }
}

/// A task executor on a serial dispatch queue of its own (Dispatch's overcommitting threads, made
/// when needed). A test server run with it as its tasks' preference keeps answering while other
/// tests hold every thread of Swift's cooperative pool: with two cores that pool has two threads.
public final class DedicatedExecutor: TaskExecutor {
    private let queue: DispatchQueue

    public init(label: String) { queue = DispatchQueue(label: label) }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
