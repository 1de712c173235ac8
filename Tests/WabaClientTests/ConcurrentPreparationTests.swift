import Foundation
import Synchronization
import TestSupport
import Testing
import WabaMedia
import WabaSandbox

/// Preparations hold none of Swift's cooperative threads, however many run at once: their blocking
/// work waits for the executor's threads and a transcode for ffmpeg, so that a server in the same
/// process, whose handlers need those threads, answers as it does when idle.
@Suite("many preparations at once leave Swift's cooperative pool free", .serialized)
struct ConcurrentPreparationTests {
    /// The slowest answer allowed, as the client measures it: from connecting to the answer's head.
    static let answerLimit = Duration.milliseconds(100)

    /// Set in the test process this test starts for itself.
    static let isolatedVariable = "WAMEDIA_TEST_ISOLATED_POOL"

    @Test(
        "32 files prepared at once on 2 threads, a server in this process answers within 100 ms (19 in 20), 1 s (all)")
    func serverAnswersWhilePreparing() async throws {
        // Other tests of this process hold threads of the pool while they wait for their child
        // processes: the measure is taken in a test process of its own, running this test alone.
        guard ProcessInfo.processInfo.environment[Self.isolatedVariable] != nil else {
            let run = try await offThePool { try Self.runAlone() }
            #expect(run.status == 0, "\(run.standardOutput)\n\(run.standardError)")
            // Swift Testing reports on standard error: the one test ran, and passed.
            #expect(run.standardError.contains("Test run with 1 test"), "\(run.standardError)")
            return
        }
        let folder = try makeTemporaryDirectory("wamedia-concurrent-preparation")
        defer { try? FileManager.default.removeItem(at: folder) }
        // A 12-megapixel TIFF of noise: made a JPEG under 5 MB by a quality search, about 0.3 s of
        // libvips work each time, more than the limit were it done on a thread of the pool.
        let photo = folder.appendingPathComponent("noise.tif").path
        // MPEG-4 Part 2 in AVI: only a transcode makes it sendable.
        let clip = folder.appendingPathComponent("clip.avi").path
        try await offThePool {
            try runTool(
                "ffmpeg",
                [
                    "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=gray:s=4000x3000,noise=alls=60:allf=t",
                    "-frames:v", "1", "-pix_fmt", "rgb24", photo,
                ])
            try runTool(
                "ffmpeg",
                [
                    "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x96:rate=15", "-t", "2", "-c:v",
                    "mpeg4", "-f", "avi", clip,
                ])
        }
        let inputs = Array(repeating: (photo, MediaType.image), count: 31) + [(clip, MediaType.video)]

        let sandbox = try SandboxServer()
        let port = try #require(URLComponents(string: try await sandbox.start())?.port)
        let probe = try await AnswerProbe.started(port: port)
        let actions: [PreparedMedia.Action]
        do {
            actions = try await BlockingExecutor.withExecutor(threads: 2) { executor in
                var options = MediaPreparer.Options(vipsConcurrency: 1)
                options.transcode.timeLimit = .seconds(600)
                let preparer = try MediaPreparer(options: options, executor: executor)
                return try await withThrowingTaskGroup(of: PreparedMedia.Action.self) { group in
                    for (path, type) in inputs {
                        group.addTask {
                            try await preparer.withPreparedMedia(at: path, as: type) { (media: PreparedMedia) async in
                                media.action
                            }
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
        } catch {
            _ = try await probe.stop()
            await sandbox.stop()
            throw error
        }
        let answers = try await probe.stop()
        await sandbox.stop()

        #expect(actions.filter { $0 == .fittedImage }.count == 31, "\(actions)")
        #expect(actions.filter { $0 == .transcoded }.count == 1, "\(actions)")
        // The preparations took seconds: the server was asked all along.
        #expect(answers.count >= 20, "only \(answers.count) requests were made meanwhile")
        let unanswered = answers.filter { $0 == nil }.count
        #expect(unanswered == 0, "\(unanswered) of \(answers.count) requests got no answer")
        // A pool held by the preparations (0.3 s of libvips a photo, 32 of them on 2 threads) delays
        // most answers by seconds. Other test processes share the machine's two cores: one answer in
        // twenty may take longer than the limit then, none longer than a second.
        let slow = answers.compactMap { $0 }.filter { $0 > Self.answerLimit }
        #expect(
            slow.count * 20 <= answers.count && slow.allSatisfy { $0 < .seconds(1) },
            "\(slow.count) of \(answers.count) answers took longer than 100 ms, the slowest \(slow.max().map { "\($0)" } ?? "")"
        )
    }
}

extension ConcurrentPreparationTests {
    /// Runs this test, alone, in a new test process (this test binary), for at most 5 minutes.
    static func runAlone() throws -> CLIRun {
        let process = Process()
        let binary =
            FileManager.default.fileExists(atPath: "/proc/self/exe") ? "/proc/self/exe" : CommandLine.arguments[0]
        process.executableURL = URL(fileURLWithPath: binary).resolvingSymlinksInPath()
        process.arguments = ["--testing-library", "swift-testing", "--filter", "ConcurrentPreparationTests"]
        process.environment = ProcessInfo.processInfo.environment.merging([isolatedVariable: "1"]) { $1 }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let stop = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 300, execute: stop)
        // Standard error is read beside standard output, so that neither fills up and stalls the child.
        let errorText = Mutex("")
        let readErrors = DispatchGroup()
        DispatchQueue.global().async(group: readErrors) {
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            errorText.withLock { $0 = text }
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        readErrors.wait()
        process.waitUntilExit()
        stop.cancel()
        return CLIRun(
            status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: errorText.withLock { $0 })
    }
}

/// Asks a server on 127.0.0.1 for `GET /sandbox/counts` again and again, from a thread of its own so
/// that what it measures is the server's answer, not this process's pool, and times each answer.
final class AnswerProbe: Sendable {
    private let port: Int
    private let stopped = Mutex(false)
    /// Each request's time to the answer's head; nil for a request that got none.
    private let answers = Mutex<[Duration?]>([])
    private let ended = DispatchSemaphore(value: 0)

    private init(port: Int) {
        self.port = port
    }

    /// A probe asking the server at `port`, once the server has answered a first request (its
    /// first connection is set up before anything is measured).
    static func started(port: Int) async throws -> AnswerProbe {
        let probe = AnswerProbe(port: port)
        guard try await offThePool({ probe.ask() }) != nil else {
            throw FixtureError("the server on port \(port) does not answer")
        }
        Thread.detachNewThread { probe.askUntilStopped() }
        return probe
    }

    /// Stops asking and returns every answer's time, in order.
    func stop() async throws -> [Duration?] {
        stopped.withLock { $0 = true }
        try await offThePool { self.ended.wait() }
        return answers.withLock { $0 }
    }

    /// Asks every 10 ms until stopped, at most 20,000 times or for 10 minutes.
    private func askUntilStopped() {
        let end = ContinuousClock.now + .seconds(600)
        for _ in 0..<20_000 where !stopped.withLock({ $0 }) && ContinuousClock.now < end {
            let answer = ask()
            answers.withLock { $0.append(answer) }
            Thread.sleep(forTimeInterval: 0.01)
        }
        ended.signal()
    }

    /// One request on a connection of its own: how long until the answer's head was read; nil
    /// when it could not connect or no answer came within 5 s.
    private func ask() -> Duration? {
        let start = ContinuousClock.now
        guard let connection = try? LoopbackSocket.connected(port: port) else { return nil }
        defer { close(connection) }
        let request = Array("GET /sandbox/counts HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ write(connection, $0.baseAddress, $0.count) }) == request.count,
            let head = LoopbackSocket.readHead(connection), head.hasPrefix("HTTP/1.1 200")
        else { return nil }
        return ContinuousClock.now - start
    }
}
