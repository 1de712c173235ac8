import Foundation
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
    /// reading it waits for that lookup if it is still under way.
    public static var installed: FFmpeg? { installedLookup.ffmpeg }

    /// Starts finding ``installed`` on a thread of its own; later calls do nothing. Its
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

    /// Finds an ffmpeg: its executable at once, its encoders on a thread of its own, so that the
    /// caller can tell whether they are known yet without waiting for them.
    final class Lookup: Sendable {
        /// The executable, found without running it; nil when there is none.
        let executable: String?
        private let found = Mutex<FFmpeg??>(nil)
        private let done = DispatchGroup()

        /// - Parameter listEncoders: the encoders of the executable at the path; nil when it does
        ///   not run. Called once, on a thread of its own.
        init(executable: String?, listEncoders: @escaping @Sendable (String) -> Set<String>?) {
            self.executable = executable
            done.enter()
            // A thread of its own, not Swift's cooperative pool: the listing waits on a child process,
            // and with two cores a blocked pool thread is half the pool.
            Thread.detachNewThread { [self] in
                let ffmpeg = executable.flatMap { path in listEncoders(path).map { FFmpeg(path: path, encoders: $0) } }
                found.withLock { $0 = .some(ffmpeg) }
                done.leave()
            }
        }

        convenience init(environment: [String: String]) {
            self.init(
                executable: FFmpeg.executable(environment: environment), listEncoders: { FFmpeg.listEncoders(path: $0) }
            )
        }

        /// The ffmpeg and its encoders; waits for them if they are not known yet.
        var ffmpeg: FFmpeg? {
            done.wait()
            return found.withLock { $0! }
        }

        /// Whether ``ffmpeg`` is known: reading it now does not wait.
        var isFinished: Bool { found.withLock { $0 != nil } }
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
    /// fails, prints more than such a list, or takes longer than `timeLimit` (it is then killed): a
    /// `WAMEDIA_FFMPEG` naming some other program must not hang or flood the process. A plain child
    /// process, waited for on the calling thread, never on Swift's cooperative pool; killed with this
    /// process (``ChildLifetime``).
    static func listEncoders(path: String, timeLimit: Duration = .seconds(30)) -> Set<String>? {
        let process = Process()
        let command = ChildLifetime.bound(path, ["-hide_banner", "-nostdin", "-encoders"])
        process.executableURL = URL(fileURLWithPath: command.executable)
        process.arguments = command.arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        let deadline = ContinuousClock.now + timeLimit
        guard (try? process.run()) != nil else { return nil }
        let listing = readAll(output.fileHandleForReading.fileDescriptor, atMost: 1 << 20, until: deadline)
        guard let listing, exited.wait(timeout: .now() + .milliseconds(millisecondsLeft(until: deadline))) == .success
        else {
            // Killed and not waited for: a child it started may hold its output open for longer.
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            return nil
        }
        guard process.terminationReason == .exit, process.terminationStatus == 0 else { return nil }
        return parseEncoders(String(decoding: listing, as: UTF8.self))
    }

    /// Everything `descriptor` gives until its end; nil when that is more than `limit` bytes or comes
    /// after `deadline` (ffmpeg's list of encoders is about 20 kB, printed at once).
    private static func readAll(_ descriptor: Int32, atMost limit: Int, until deadline: ContinuousClock.Instant)
        -> [UInt8]?
    {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while bytes.count <= limit {
            let milliseconds = millisecondsLeft(until: deadline)
            guard milliseconds > 0 else { return nil }
            var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let polled = poll(&ready, 1, Int32(clamping: milliseconds))
            if polled < 0 && errno == EINTR { continue }
            guard polled > 0 else { return nil }
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return count == 0 ? bytes : nil }
            bytes += chunk[..<count]
        }
        return nil
    }

    private static func millisecondsLeft(until deadline: ContinuousClock.Instant) -> Int {
        let left = deadline - ContinuousClock.now
        guard left > .zero else { return 0 }
        return Int(left.components.seconds) * 1_000 + Int(left.components.attoseconds / 1_000_000_000_000_000) + 1
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
    /// - Parameter progress: called with the seconds of media written so far.
    /// - Throws: `CancellationError` when the task is cancelled (ffmpeg is stopped first);
    ///   ``WabaMediaError`` `transform-failed` when it fails, with the last lines it printed, or
    ///   takes longer than the wall-clock limit.
    func run(_ arguments: [String], limits: Limits, progress: (@Sendable (Double) -> Void)? = nil) async throws {
        let fenced = ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-progress", "pipe:1"] + arguments
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
                            for try await line in execution.standardError.strings() {
                                tail += line + "\n"
                                if tail.utf8.count > 4096 { tail = String(tail.suffix(2048)) }
                            }
                            return tail
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
        }
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

/// Runs async work to completion from synchronous code, blocking the calling thread.
///
/// The work's own tasks run on a serial dispatch queue of their own (a task executor), but
/// swift-subprocess still needs a thread of Swift's cooperative pool now and then: callers on that
/// pool (two threads on two cores) must not all block here at once. ``MediaPreparer``'s async
/// entry points prepare on a thread of their own for that reason. A cancelled caller (its task, or
/// `cancellation`) cancels the work.
enum AwaitBlocking {
    /// A serial queue: it runs on Dispatch's overcommitting threads, made when needed.
    private final class QueueExecutor: TaskExecutor {
        let queue = DispatchQueue(label: "wamedia.subprocess")

        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            let executor = asUnownedTaskExecutor()
            queue.async { job.runSynchronously(on: executor) }
        }
    }

    /// The result, handed from the task to the waiting thread.
    private final class Outcome<T: Sendable>: Sendable {
        private let result = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)

        func finish(_ result: Result<T, any Error>) {
            self.result.withLock { $0 = result }
            done.signal()
        }

        var value: Result<T, any Error> { result.withLock { $0! } }
    }

    static func run<T: Sendable>(
        cancellation: Cancellation? = nil, _ operation: @escaping @Sendable () async throws -> T
    ) throws -> T {
        let outcome = Outcome<T>()
        let executor = QueueExecutor()
        let task = Task(executorPreference: executor) {
            do { outcome.finish(.success(try await operation())) } catch { outcome.finish(.failure(error)) }
        }
        // The executor lives until the work is done, whatever the task keeps of it.
        withExtendedLifetime(executor) {
            while outcome.done.wait(timeout: .now() + .milliseconds(50)) == .timedOut {
                if cancellation?.isCancelled == true || withUnsafeCurrentTask(body: { $0?.isCancelled ?? false }) {
                    task.cancel()
                }
            }
        }
        return try outcome.value.get()
    }
}

/// A task's cancellation, for work it hands to a thread of its own.
final class Cancellation: Sendable {
    private let flag = Mutex(false)
    var isCancelled: Bool { flag.withLock { $0 } }
    func cancel() { flag.withLock { $0 = true } }
}
