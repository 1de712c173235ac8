// What the test targets share: the repository's folders, fixture tools, and running the built CLI.
public import Foundation

/// The repository's root, samples/ and profiles/ folders.
public let repositoryURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
public let samplesURL = repositoryURL.appendingPathComponent("samples")
public let profilesURL = repositoryURL.appendingPathComponent("profiles")

public struct FixtureError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

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
public func wamediaAsync(_ arguments: [String], in directory: URL? = nil) async throws -> CLIRun {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try wamedia(arguments, in: directory) }) }
    }
}
