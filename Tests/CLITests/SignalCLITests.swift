import Foundation
import TestSupport
import Testing

/// wamedia stopped by a signal in the middle of a transcode: ffmpeg ends with it and no temporary
/// folder is left behind, whichever signal it was, sent to the process or to its whole group.
@Suite(.serialized) struct SignalCLITests {
    @Test(
        "SIGTERM, SIGHUP and Ctrl-C stop ffmpeg, remove the temporary folder and end with the signal's status",
        arguments: [
            (SIGTERM, Int32(143), "stopped by SIGTERM"), (SIGHUP, 129, "stopped by SIGHUP"), (SIGINT, 1, "interrupted"),
        ])
    func stoppedBySignal(signal: Int32, status: Int32, message: String) throws {
        let transcode = try Transcode()
        defer { transcode.end() }
        let ffmpeg = try transcode.waitForFFmpeg()
        kill(transcode.pid, signal)
        #expect(ffmpeg.ended(within: .seconds(2)), "ffmpeg \(ffmpeg.pid) still runs 2 s after signal \(signal)")
        let exit = transcode.exitStatus(within: .seconds(10))
        #expect(exit == status, "\(transcode.standardError)")
        #expect(transcode.standardError.contains(message), "\(transcode.standardError)")
        #expect(try transcode.temporaryEntries() == [], "the temporary folder stayed")
        #expect(!FileManager.default.fileExists(atPath: transcode.output))
    }

    @Test("SIGTERM to the whole process group stops ffmpeg and removes the temporary folder")
    func processGroupTerminated() throws {
        let transcode = try Transcode()
        defer { transcode.end() }
        let ffmpeg = try transcode.waitForFFmpeg()
        #expect(ffmpeg.processGroup == transcode.pid, "ffmpeg runs in wamedia's process group")
        kill(-transcode.pid, SIGTERM)
        #expect(ffmpeg.ended(within: .seconds(2)), "ffmpeg \(ffmpeg.pid) still runs 2 s after SIGTERM")
        #expect(transcode.exitStatus(within: .seconds(10)) == 143, "\(transcode.standardError)")
        #expect(try transcode.temporaryEntries() == [], "the temporary folder stayed")
    }

    @Test("SIGKILL takes ffmpeg with it, and the next run removes the folder it left")
    func killed() throws {
        let transcode = try Transcode()
        defer { transcode.end() }
        let ffmpeg = try transcode.waitForFFmpeg()
        kill(transcode.pid, SIGKILL)
        #expect(ffmpeg.ended(within: .seconds(2)), "ffmpeg \(ffmpeg.pid) still runs 2 s after wamedia was killed")
        #expect(transcode.exitStatus(within: .seconds(10)) == 128 + SIGKILL)
        let left = try transcode.temporaryEntries()
        #expect(left.count == 1 && left[0].hasPrefix("wamedia-work.\(transcode.pid)."), "\(left)")

        let next = try wamedia(
            ["prepare", "-o", transcode.folder.appendingPathComponent("photo.jpg").path, sample("photo.jpg")],
            environment: ["TMPDIR": transcode.scratch.path])
        #expect(next.status == 0, "\(next.standardError)")
        #expect(try transcode.temporaryEntries() == [], "the next run left the killed run's folder")
    }
}

/// A `wamedia prepare` of a 30 s clip (long enough to be transcoding when it is signalled), started
/// as the leader of its own process group, with a private temporary folder.
private final class Transcode {
    let folder: URL
    let scratch: URL
    let output: String
    let pid: pid_t
    private let errorPath: String
    private var status: Int32?

    init() throws {
        folder = try makeTemporaryDirectory("wamedia-signal")
        scratch = folder.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let input = folder.appendingPathComponent("long.mp4").path
        try runTool(
            "ffmpeg",
            [
                "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", "testsrc=size=640x360:rate=25", "-t", "30",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le", input,
            ])
        output = folder.appendingPathComponent("out.mp4").path
        errorPath = folder.appendingPathComponent("stderr.txt").path
        let environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": scratch.path]) { $1 }
        pid = try spawnGroupLeader(
            executableURL.path, ["prepare", "--speed", "best", "-o", output, input],
            environment: environment, standardError: errorPath)
    }

    var standardError: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// What is left in the private temporary folder.
    func temporaryEntries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted()
    }

    /// The ffmpeg transcoding for wamedia, once its partial output is on disk (up to 60 s).
    func waitForFFmpeg() throws -> ChildProcess {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, exitStatus(within: .zero) == nil {
            if let child = ChildProcess.children(of: pid).first(where: { $0.commandLine.contains("-progress") }),
                partialOutputExists()
            {
                return child
            }
            usleep(20_000)
        }
        throw FixtureError("no transcoding ffmpeg appeared: \(standardError)")
    }

    private func partialOutputExists() -> Bool {
        let names = FileManager.default.enumerator(atPath: scratch.path)?.allObjects as? [String] ?? []
        return names.contains { $0.hasSuffix(".mp4") }
    }

    /// wamedia's exit status (128 + the signal when one ended it), waiting up to `limit`.
    func exitStatus(within limit: Duration) -> Int32? {
        if let status { return status }
        let deadline = ContinuousClock.now + limit
        repeat {
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid {
                let signal = raw & 0x7f
                status = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
                return status
            }
            if ContinuousClock.now >= deadline { break }
            usleep(20_000)
        } while true
        return nil
    }

    /// Kills what is left and removes the test's folder.
    func end() {
        if exitStatus(within: .zero) == nil {
            kill(-pid, SIGKILL)
            _ = exitStatus(within: .seconds(10))
        }
        for child in ChildProcess.children(of: pid) { kill(child.pid, SIGKILL) }
        try? FileManager.default.removeItem(at: folder)
    }
}

/// A process seen in `/proc`, told apart from a later one with the same PID by its start time.
private struct ChildProcess {
    let pid: pid_t
    let processGroup: pid_t
    let startTime: UInt64
    let commandLine: String

    /// The live (not zombie) children of `parent`.
    static func children(of parent: pid_t) -> [ChildProcess] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.compactMap { pid in
            guard let stat = Stat(pid), stat.parent == parent, stat.state != "Z" else { return nil }
            let raw = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
            let commandLine = String(decoding: raw.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
            return ChildProcess(pid: pid, processGroup: stat.group, startTime: stat.startTime, commandLine: commandLine)
        }
    }

    /// Whether the process is gone (or a zombie nobody reaps) by `limit` from now.
    func ended(within limit: Duration) -> Bool {
        let deadline = ContinuousClock.now + limit
        repeat {
            guard let stat = Stat(pid), stat.startTime == startTime, stat.state != "Z" else { return true }
            usleep(20_000)
        } while ContinuousClock.now < deadline
        return false
    }

    /// The fields of `/proc/<pid>/stat` the tests need.
    struct Stat {
        let state: Character
        let parent: pid_t
        let group: pid_t
        let startTime: UInt64

        init?(_ pid: pid_t) {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = text.lastIndex(of: ")")
            else { return nil }
            // After the command name in parentheses: state (field 3), ppid (4), pgrp (5), … starttime (22).
            let fields = text[text.index(after: close)...].split(separator: " ")
            guard fields.count > 19, let state = fields[0].first, let parent = pid_t(fields[1]),
                let group = pid_t(fields[2]), let startTime = UInt64(fields[19])
            else { return nil }
            (self.state, self.parent, self.group, self.startTime) = (state, parent, group, startTime)
        }
    }
}

/// Starts `path arguments` as the leader of a new process group, standard output to /dev/null and
/// standard error to `standardError`, the stopping signals at their default; returns its PID.
private func spawnGroupLeader(
    _ path: String, _ arguments: [String], environment: [String: String], standardError: String
) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, standardError, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
    var unblocked = sigset_t()
    sigemptyset(&unblocked)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setsigmask(&attributes, &unblocked)
    posix_spawnattr_setpgroup(&attributes, 0)
    posix_spawnattr_setflags(
        &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
    guard result == 0 else { throw FixtureError("cannot start \(path): \(String(cString: strerror(result)))") }
    return pid
}
