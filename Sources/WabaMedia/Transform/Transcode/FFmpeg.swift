import Foundation
import NIOPosix
import Subprocess
import Synchronization
import SystemPackage

/// The `ffmpeg` executable wamedia transcodes with, and the encoders it has.
///
/// ffmpeg is run as a child process, never linked: its decoders read untrusted bytes, and a crash
/// or a hang in one then ends only the child. Every run is fenced (``run(_:limits:progress:)``).
public struct FFmpeg: Sendable, Hashable {
    /// The executable's path.
    public let path: String
    /// The encoders it lists in `ffmpeg -encoders` (`libx264`, `libopus`, `aac`, ...).
    public let encoders: Set<String>

    public init(path: String, encoders: Set<String>) {
        self.path = path
        self.encoders = encoders
    }

    /// The ffmpeg this process uses: `$WAMEDIA_FFMPEG` when set (a path; empty means none), else the
    /// first `ffmpeg` on `PATH`; nil when there is none or it does not run. Found once per process;
    /// reading it blocks the calling thread until that lookup is done (``Lookup/ffmpeg()`` of
    /// ``installedLookup`` awaits it instead).
    public static var installed: FFmpeg? { installedLookup.waitedFor }

    /// Starts finding ``installed`` in the background; later calls do nothing. Its
    /// `ffmpeg -encoders` run (about 0.1 s, most of it ffmpeg loading its libraries) then overlaps
    /// the caller's own start-up and inspection instead of delaying the first check of a video.
    /// A program that will check media calls this as early as it can; ``MediaPreparer`` asks for
    /// the lookup when a file may need a transcode, never for an image.
    public static func findInBackground() { _ = installedLookup }

    /// The lookup behind ``installed``, started on first use.
    static let installedLookup = Lookup(environment: ProcessInfo.processInfo.environment)

    /// How to install ffmpeg, for messages.
    public static let installHint =
        "install ffmpeg (Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg; "
        + "or scripts/install-deps.sh), or point WAMEDIA_FFMPEG at one"

    /// Finds an ffmpeg: its executable at once, its encoders in the background, so that the caller
    /// can tell whether they are known yet without waiting for them.
    ///
    /// The encoders are listed by a work item of NIO's shared blocking pool, not by a task: code that
    /// blocks a thread of Swift's cooperative pool until they are known (``waitedFor``) cannot then
    /// hold up the listing itself.
    final class Lookup: Sendable {
        /// The executable, found without running it; nil when there is none.
        let executable: String?
        private let state = Mutex(State())
        /// Left once the answer is known: what ``waitedFor`` blocks on.
        private let done = DispatchGroup()

        private struct State {
            /// nil until the listing ends.
            var answer: FFmpeg??
            /// Tasks awaiting the answer.
            var waiting: [CheckedContinuation<FFmpeg?, Never>] = []
        }

        /// - Parameter listEncoders: the encoders of the executable at the path; nil when it does
        ///   not run. Called once, on a thread of NIO's shared blocking pool.
        init(executable: String?, listEncoders: @escaping @Sendable (String) -> Set<String>?) {
            self.executable = executable
            done.enter()
            NIOThreadPool.singleton.submit { [self] _ in
                let ffmpeg = executable.flatMap { path in listEncoders(path).map { FFmpeg(path: path, encoders: $0) } }
                let waiting = state.withLock { state in
                    state.answer = .some(ffmpeg)
                    defer { state.waiting = [] }
                    return state.waiting
                }
                done.leave()
                for task in waiting { task.resume(returning: ffmpeg) }
            }
        }

        convenience init(environment: [String: String]) {
            self.init(
                executable: FFmpeg.executable(environment: environment), listEncoders: { FFmpeg.listEncoders(path: $0) }
            )
        }

        /// The ffmpeg and its encoders, once they are known.
        func ffmpeg() async -> FFmpeg? {
            await withCheckedContinuation { task in
                let answer = state.withLock { state -> FFmpeg?? in
                    if state.answer == nil { state.waiting.append(task) }
                    return state.answer
                }
                if let answer { task.resume(returning: answer) }
            }
        }

        /// ``ffmpeg()`` for synchronous code (the check's transcode plan), blocking the calling
        /// thread until the encoders are known.
        var waitedFor: FFmpeg? {
            done.wait()
            return state.withLock { $0.answer } ?? nil
        }

        /// Whether ``ffmpeg()`` is known: awaiting it now does not wait for ffmpeg.
        var isFinished: Bool { state.withLock { $0.answer != nil } }
    }

    /// The executable `$WAMEDIA_FFMPEG` names (empty means none), else the first `ffmpeg` on `PATH`.
    static func executable(environment: [String: String]) -> String? {
        let candidate: String?
        if let configured = environment["WAMEDIA_FFMPEG"] {
            candidate = configured.isEmpty ? nil : configured
        } else {
            candidate = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
                .map { "\($0)/ffmpeg" }
                .first { FileManager.default.isExecutableFile(atPath: $0) }
        }
        guard let candidate, FileManager.default.isExecutableFile(atPath: candidate) else { return nil }
        return candidate
    }

    /// The encoders `ffmpeg -encoders` lists for the executable at `path`; nil when it does not run,
    /// fails, prints more than such a list (ffmpeg's is about 20 kB, printed at once), or takes
    /// longer than `timeLimit` (it is then killed): a `WAMEDIA_FFMPEG` naming some other program
    /// must not hang or flood the process. Blocks the calling thread meanwhile; killed with this
    /// process (``ChildLifetime``).
    static func listEncoders(path: String, timeLimit: Duration = .seconds(30)) -> Set<String>? {
        let command = ChildLifetime.bound(path, ["-hide_banner", "-nostdin", "-encoders"])
        guard
            let listing = ShortChildProcess.output(
                of: command.executable, command.arguments, atMost: 1 << 20, timeLimit: timeLimit)
        else { return nil }
        return parseEncoders(String(decoding: listing, as: UTF8.self))
    }

    /// The names in `ffmpeg -encoders`' table: lines such as ` V....D libx264   libx264 H.264 ...`.
    static func parseEncoders(_ listing: String) -> Set<String> {
        var names: Set<String> = []
        var inTable = false
        for line in listing.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if !inTable {
                inTable = fields.first.map { $0.allSatisfy { $0 == "-" } } ?? false
                continue
            }
            if fields.count >= 2, fields[0].count == 6 { names.insert(String(fields[1])) }
        }
        return names
    }

    /// The fences every run has besides its arguments.
    public struct Limits: Sendable, Hashable {
        /// Wall-clock time before ffmpeg is stopped and the run fails.
        public var wallClock: Duration
        /// Address space, in bytes (`prlimit --as`).
        public var memoryBytes: Int
        /// The largest file it may write, in bytes (`prlimit --fsize`): a runaway output stops there.
        public var fileBytes: Int

        public init(wallClock: Duration, memoryBytes: Int = 4 << 30, fileBytes: Int) {
            self.wallClock = wallClock
            self.memoryBytes = memoryBytes
            self.fileBytes = fileBytes
        }

        /// CPU seconds: the wall-clock limit on every core.
        var cpuSeconds: Int {
            max(1, Int((wallClock.seconds * Double(ProcessInfo.processInfo.activeProcessorCount)).rounded(.up)))
        }
    }

    /// `prlimit`, which applies the limits to ffmpeg before it runs; nil where there is none.
    static let prlimit: String? = ["/usr/bin/prlimit", "/bin/prlimit"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Runs ffmpeg with `arguments` (inputs, filters, codecs, outputs) behind the fences: no standard
    /// input, its own limits on time, memory, CPU and file size, progress read from `-progress`.
    ///
    /// - Parameters:
    ///   - logLevel: what ffmpeg prints on its standard error: errors only, unless a filter that
    ///     reports its measurements there (`volumedetect`) needs ``LogLevel/info``.
    ///   - keepingLinesWith: a text whose lines ffmpeg prints are all kept (up to 256 kB), however
    ///     many other lines follow: the measurements of a run over many files.
    ///   - progress: called with the seconds of media written so far.
    /// - Returns: the lines kept, then the last few kilobytes ffmpeg printed on its standard error.
    /// - Throws: `CancellationError` when the task is cancelled (ffmpeg is stopped first);
    ///   ``WabaMediaError`` `transform-failed` when it fails, with the last lines it printed, or
    ///   takes longer than the wall-clock limit.
    @discardableResult
    func run(
        _ arguments: [String], limits: Limits, logLevel: LogLevel = .error, keepingLinesWith marker: String? = nil,
        progress: (@Sendable (Double) -> Void)? = nil
    ) async throws -> String {
        let fenced =
            ["-hide_banner", "-nostdin", "-nostats", "-loglevel", logLevel.rawValue, "-progress", "pipe:1"] + arguments
        let fencedCommand: (executable: String, arguments: [String])
        if let prlimit = Self.prlimit {
            fencedCommand = (
                prlimit,
                [
                    "--as=\(limits.memoryBytes)", "--cpu=\(limits.cpuSeconds)", "--fsize=\(limits.fileBytes)",
                    "--core=0", "--", path,
                ] + fenced
            )
        } else {
            fencedCommand = (path, fenced)
        }
        // Killed with this process too, however it ends.
        let command = ChildLifetime.bound(fencedCommand.executable, fencedCommand.arguments)
        let executable = Executable.path(FilePath(command.executable))
        let fullArguments = command.arguments
        let options = {
            var options = PlatformOptions()
            // Cancelled: asked to stop (it then closes its output), killed if it does not within a second.
            options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(1))]
            return options
        }()
        let wallClock = limits.wallClock

        let status = try await withThrowingTaskGroup(of: Outcome.self) { group in
            group.addTask {
                let result = try await Subprocess.run(
                    executable, arguments: Arguments(fullArguments), platformOptions: options, input: .none,
                    output: .sequence, error: .sequence
                ) { execution in
                    try await withThrowingTaskGroup(of: String.self) { streams in
                        streams.addTask {
                            for try await line in execution.standardOutput.strings() {
                                if let progress, line.hasPrefix("out_time_us="),
                                    let micros = Int64(line.dropFirst("out_time_us=".count)), micros >= 0
                                {
                                    progress(Double(micros) / 1e6)
                                }
                            }
                            return ""
                        }
                        streams.addTask {
                            // The last few kilobytes of errors: enough to say why, bounded however much it prints.
                            var tail = ""
                            var kept = ""
                            for try await line in execution.standardError.strings() {
                                if let marker, line.contains(marker), kept.utf8.count < 1 << 18 {
                                    kept += line + "\n"
                                    continue
                                }
                                tail += line + "\n"
                                if tail.utf8.count > 4096 { tail = String(tail.suffix(2048)) }
                            }
                            return kept + tail
                        }
                        var errors = ""
                        for try await text in streams { errors += text }
                        return errors
                    }
                }
                return .finished(result.terminationStatus, errors: result.closureResult)
            }
            group.addTask {
                try await Task.sleep(for: wallClock)
                return .timedOut
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
        try Task.checkCancellation()
        switch status {
        case .timedOut:
            throw WabaMediaError(
                .transformFailed, "ffmpeg took longer than \(wallClock) and was stopped",
                hint: "the input may be damaged or very long; a faster --speed or a shorter clip helps")
        case .finished(let termination, let errors):
            guard termination.isSuccess else {
                let reason = errors.split(separator: "\n").suffix(3).joined(separator: "; ")
                throw WabaMediaError(
                    .transformFailed,
                    "ffmpeg failed (\(termination))" + (reason.isEmpty ? "" : ": \(reason)"),
                    hint: "the input may be damaged: export or download it again")
            }
            return errors
        }
    }

    /// How much ffmpeg says on its standard error (its `-loglevel`).
    enum LogLevel: String, Sendable {
        case error
        /// Also what filters measured (`volumedetect`'s mean and peak), and the streams it read.
        case info
    }

    private enum Outcome: Sendable {
        case finished(TerminationStatus, errors: String)
        case timedOut
    }
}

extension FFmpeg.Lookup: Hashable {
    /// One lookup is one answer: lookups are the same only when they are the same object.
    static func == (lhs: FFmpeg.Lookup, rhs: FFmpeg.Lookup) -> Bool { lhs === rhs }
    func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
