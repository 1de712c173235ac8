import Foundation

/// A short child process (`ffmpeg -encoders`, the `setpriv` probe) run to its end on the calling
/// thread, which it blocks: for answers that synchronous code may wait for.
///
/// swift-subprocess, which runs ffmpeg's transcodes, awaits a task of Swift's cooperative pool for
/// every run. An answer that synchronous code waits for must not: were every thread of that pool
/// waiting for it, it could never come. These run where blocking work runs instead.
///
/// The child's standard input and error are `/dev/null`, its stopping signals at their defaults.
enum ShortChildProcess {
    /// What `executable arguments…` wrote on its standard output, when it exited with status 0.
    ///
    /// - Returns: nil when it cannot start, fails, writes more than `limit` bytes, or has not ended
    ///   by `timeLimit` (it is then killed; a child of its own that keeps its output open is not
    ///   waited for).
    static func output(
        of executable: String, _ arguments: [String], atMost limit: Int, timeLimit: Duration
    ) -> [UInt8]? {
        let deadline = ContinuousClock.now + timeLimit
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return nil }
        // Inherited by no other child (swift-subprocess closes them in its own anyway), which
        // would hold the output open.
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        defer { close(ends[0]) }
        let started = spawn(executable, arguments, output: ends[1])
        close(ends[1])
        guard let pid = started else { return nil }
        let output = readAll(ends[0], atMost: limit, until: deadline)
        // Its output ended (or overflowed, or came too late): it is waited for until the deadline.
        guard let status = exitStatus(of: pid, until: output == nil ? .now : deadline), status == 0 else {
            return nil
        }
        return output
    }

    /// The exit status of the child `pid` once it ends, nil when a signal ended it or it is still
    /// running at `deadline` (it is then killed, and reaped).
    private static func exitStatus(of pid: pid_t, until deadline: ContinuousClock.Instant) -> Int32? {
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped < 0 && errno != EINTR { return nil }
            guard ContinuousClock.now < deadline else {
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                return nil
            }
            usleep(1_000)
        }
        // Exited (not signalled): its status.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : nil
    }

    /// Starts the child, its standard output on `output`; its PID, or nil when it cannot start.
    private static func spawn(_ executable: String, _ arguments: [String], output: Int32) -> pid_t? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, STDOUT_FILENO)
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0)
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
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, executable, &actions, &attributes, argv, environ) == 0 else { return nil }
        return pid
    }

    /// Everything `descriptor` gives until its end; nil when that is more than `limit` bytes or comes
    /// after `deadline`.
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
}
