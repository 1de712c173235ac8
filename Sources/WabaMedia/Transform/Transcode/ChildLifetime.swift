import Foundation

/// Ties a child process's life to this process's: the child is killed when this process ends,
/// however it ends (SIGKILL included), so an ffmpeg never runs on as an orphan to its CPU limit.
///
/// Linux's parent-death signal (`prctl(PR_SET_PDEATHSIG, SIGKILL)`) can only be asked for by the
/// child, between its fork and its exec, and swift-subprocess 1.0 has no hook there on Linux. The
/// command is therefore started through `setpriv --pdeathsig KILL -- command…` (util-linux 2.33 and
/// later), which asks for the signal and execs the command: one process, so the child's PID is the
/// command's and signals reach it directly. No shell is involved. The one case it cannot cover is
/// this process dying in the microseconds between the fork and `setpriv`'s `prctl`: the command then
/// runs on, fenced by its CPU limit (`prlimit --cpu`) as before.
///
/// The signal follows the thread that forked, not the process. swift-subprocess forks on one
/// worker thread of its own, started once and joined only by an `atexit` handler; the short runs of
/// ``ShortChildProcess`` (the encoder list) fork on a thread of NIO's shared blocking pool, which
/// lives as long as the process, or on a caller that waits for the child: each such thread ends
/// with the process, or after its child.
///
/// Where `setpriv` or its `--pdeathsig` is missing (macOS, util-linux before 2.33) the command runs
/// as it is: its CPU limit remains its only fence if this process is killed.
enum ChildLifetime {
    /// `executable arguments…`, started so that it is killed when this process ends.
    static func bound(_ executable: String, _ arguments: [String]) -> (executable: String, arguments: [String]) {
        guard let setpriv = available else { return (executable, arguments) }
        return (setpriv, ["--pdeathsig", "KILL", "--", executable] + arguments)
    }

    /// The `setpriv` that can set a parent-death signal; nil when there is none. Found once per
    /// process, by running it once with `true` (a few milliseconds).
    static let available: String? = {
        #if os(Linux)
            func executable(_ candidates: [String]) -> String? {
                candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
            }
            guard let setpriv = executable(["/usr/bin/setpriv", "/bin/setpriv"]),
                let succeed = executable(["/usr/bin/true", "/bin/true"]),
                ShortChildProcess.output(
                    of: setpriv, ["--pdeathsig", "KILL", "--", succeed], atMost: 0, timeLimit: .seconds(5)) != nil
            else { return nil }
            return setpriv
        #else
            return nil
        #endif
    }()
}
