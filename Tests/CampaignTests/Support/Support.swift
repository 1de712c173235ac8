import Foundation
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Runs the built `wamedia` executable, as users do.
struct CLIRun {
    var status: Int32
    var standardOutput: String
    var standardError: String

    /// The JSON objects of a `--format json` run, one per line.
    func jsonLines() throws -> [[String: Any]] {
        try standardOutput.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            return try #require(object as? [String: Any], "not an object: \(line)")
        }
    }

    /// The asset objects and the final summary object of a `--format json` run.
    func assetsAndSummary() throws -> ([[String: Any]], [String: Any]) {
        let objects = try jsonLines()
        let summary = try #require(objects.last, "no output: \(standardError)")
        #expect(summary["summary"] as? Bool == true, "the last line is not the summary: \(summary)")
        #expect(objects.dropLast().allSatisfy { $0["summary"] == nil })
        return (Array(objects.dropLast()), summary)
    }
}

let executableURL: URL = {
    var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("wamedia").path), folder.path != "/" {
        folder.deleteLastPathComponent()
    }
    return folder.appendingPathComponent("wamedia")
}()

let repositoryURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
let samplesURL = repositoryURL.appendingPathComponent("samples")

func sample(_ name: String) -> URL { samplesURL.appendingPathComponent(name) }

func wamedia(_ arguments: [String], in directory: URL? = nil) throws -> CLIRun {
    let process = Process()
    process.executableURL = executableURL
    process.arguments = arguments
    process.currentDirectoryURL = directory ?? repositoryURL
    let errorURL = FileManager.default.temporaryDirectory.appendingPathComponent("wamedia-stderr-\(UUID().uuidString)")
    guard FileManager.default.createFile(atPath: errorURL.path, contents: nil) else {
        throw CocoaError(.fileWriteUnknown)
    }
    defer { try? FileManager.default.removeItem(at: errorURL) }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = try FileHandle(forWritingTo: errorURL)
    try process.run()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLIRun(
        status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
        standardError: try String(contentsOf: errorURL, encoding: .utf8))
}

/// Runs `wamedia` on a thread of its own, so a test server in this process keeps answering meanwhile.
func wamediaAsync(_ arguments: [String], in directory: URL? = nil) async throws -> CLIRun {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try wamedia(arguments, in: directory) }) }
    }
}

/// Runs a tool the tests make fixtures with, failing with its output when it fails.
@discardableResult
func runTool(_ tool: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
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

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func makeTemporaryDirectory(_ label: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// What an XML parser makes of a JUnit report: test cases, failures, and whether it parsed at all.
final class JUnitSummary: NSObject, XMLParserDelegate {
    var testCases: [String] = []
    var failures: [String] = []
    var suiteTests: Int?
    var suiteFailures: Int?
    private var currentCase = ""

    static func parse(_ text: String) throws -> JUnitSummary {
        let summary = JUnitSummary()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = summary
        guard parser.parse() else {
            throw FixtureError("the JUnit report does not parse: \(parser.parserError.map { "\($0)" } ?? "?")")
        }
        return summary
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        switch elementName {
        case "testsuite":
            suiteTests = attributes["tests"].flatMap(Int.init)
            suiteFailures = attributes["failures"].flatMap(Int.init)
        case "testcase":
            currentCase = attributes["classname"] ?? ""
            testCases.append(currentCase)
        case "failure":
            failures.append(currentCase)
        default:
            break
        }
    }
}
