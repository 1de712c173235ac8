import Foundation
import TestSupport
import Testing

@testable import WabaMedia

/// Files for the audio/video tests: committed fixtures, and ffmpeg/ffprobe when they are installed.
enum AVTestSupport {
    /// Whether the tests that need ffmpeg run: always in CI (where a missing ffmpeg fails them),
    /// elsewhere when it is installed.
    static var ffmpegTestsRun: Bool { ffmpegAvailable || runningInCI }

    static let ffmpegAvailable: Bool = {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        return ["ffmpeg", "ffprobe"].allSatisfy { tool in
            paths.contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
        }
    }()

    static let detector: MIMEDetector = {
        do { return try MIMEDetector() } catch { fatalError("libmagic is not usable: \(error)") }
    }()

    static func fixture(_ name: String) -> String {
        guard
            let url = Bundle.module.url(
                forResource: name, withExtension: nil, subdirectory: "Resources/av")
        else {
            fatalError("missing test fixture \(name)")
        }
        return url.path
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "wamedia-av-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Runs `tool` on a thread of its own: a test that waits on a child process must not hold one of
    /// Swift's few cooperative threads, which the servers of other tests in this process need.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) async throws -> (
        status: Int32, output: String, errors: String
    ) {
        try await offThePool { try runBlocking(tool, arguments) }
    }

    private static func runBlocking(_ tool: String, _ arguments: [String]) throws -> (
        status: Int32, output: String, errors: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: outputData, as: UTF8.self),
            String(decoding: errorData, as: UTF8.self)
        )
    }

    struct ToolFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs ffmpeg quietly, overwriting the output; fails the test on an error.
    static func ffmpeg(_ arguments: [String]) async throws {
        let result = try await run("ffmpeg", ["-v", "error", "-y", "-nostdin"] + arguments)
        guard result.status == 0 else {
            throw ToolFailure(
                description: "ffmpeg \(arguments.joined(separator: " ")) failed: \(result.errors)")
        }
    }

    /// ffprobe's JSON view of a file (format and streams).
    static func ffprobe(_ path: String) async throws -> [String: Any] {
        let result = try await run(
            "ffprobe", ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", path])
        guard result.status == 0,
            let json = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        else { throw ToolFailure(description: "ffprobe \(path) failed: \(result.errors)") }
        return json
    }

    static func ffprobeDuration(_ path: String) async throws -> Double? {
        let format = try await ffprobe(path)["format"] as? [String: Any]
        return (format?["duration"] as? String).flatMap(Double.init)
    }

    static func ffprobeStreams(_ path: String) async throws -> [[String: Any]] {
        try await ffprobe(path)["streams"] as? [[String: Any]] ?? []
    }

    /// Decodes every stream with ffmpeg; returns what it printed as errors (empty when clean).
    static func decodeErrors(_ path: String) async throws -> String {
        let result = try await run("ffmpeg", ["-v", "error", "-nostdin", "-i", path, "-f", "null", "-"])
        return result.status == 0 ? result.errors : "exit \(result.status): \(result.errors)"
    }

    static func inspect(_ path: String) throws -> Inspection {
        try MediaInspector(detector: detector, options: .init(imageVerification: .header)).inspect(
            path: path)
    }

    static func findings(_ path: String, as mediaType: MediaType) throws -> [Finding] {
        AVRules.findings(for: try inspect(path), as: mediaType, profile: .whatsappCloud)
    }

    static func verdict(_ findings: [Finding]) -> Verdict { Verdict(findings: findings) }
}

extension [Finding] {
    var codes: Set<Finding.Code> { Set(map(\.code)) }

    func severity(of code: Finding.Code) -> Finding.Severity? {
        first { $0.code == code }?.severity
    }
}
