import Foundation
import Synchronization

/// Ctrl-C (SIGINT), SIGTERM (a service manager, `docker stop`, a CI timeout) and SIGHUP (a closed
/// terminal) cancel the running command instead of ending the process at once, so a transcode
/// stops ffmpeg and the temporary files of the preparation are removed; the process then ends with
/// 1 after Ctrl-C ("interrupted"), 128 + the signal after the others (143, 129), as a shell reports
/// a process those signals ended. A second signal ends the process at once (ffmpeg then dies with
/// it, its folder is swept by the next run). A command with steps of its own (a campaign stops
/// claiming, then aborts) takes the signals over with ``InterruptHandler`` while it runs: one
/// signal source, one owner at a time. A command that stops on SIGTERM by itself
/// (``StopsOnTermination``) keeps SIGTERM and SIGHUP.
enum Interrupt {
    /// The signals that stop a command.
    static let stopping: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    private static let count = Atomic<Int>(0)
    /// The first SIGTERM or SIGHUP that came, or 0.
    private static let termination = Atomic<Int32>(0)
    /// The handler that has taken the signals over, if any.
    fileprivate static let redirect = Mutex<(@Sendable () -> Void)?>(nil)

    /// Whether the command was cancelled by a signal (not one a handler took over).
    static var happened: Bool { count.load(ordering: .relaxed) > 0 }

    /// 128 + the signal once SIGTERM or SIGHUP came, whether the command was cancelled or a handler
    /// stopped it: the process ends with it whatever the command's own outcome. Nil otherwise
    /// (Ctrl-C leaves the status to the command, or to ``exitAfterStopping()``).
    static var terminationStatus: Int32? {
        let signal = termination.load(ordering: .relaxed)
        return signal == 0 ? nil : 128 + signal
    }

    /// Runs `body`, cancelled by the first of `signals`; the process ends at the second.
    static func cancelling(
        on signals: [Int32] = stopping, _ body: sending @escaping () async throws -> Void
    ) async throws {
        for signal in signals { Foundation.signal(signal, SIG_IGN) }
        let task = Task { try await body() }
        let sources = signals.map { signal in
            let source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
            source.setEventHandler {
                if signal != SIGINT { termination.compareExchange(expected: 0, desired: signal, ordering: .relaxed) }
                if let handle = redirect.withLock({ $0 }) {
                    handle()
                    return
                }
                if count.add(1, ordering: .relaxed).newValue > 1 { exit(terminationStatus ?? ExitStatus.failure) }
                task.cancel()
            }
            source.resume()
            return source
        }
        defer { for source in sources { source.cancel() } }
        try await task.value
    }

    /// Ends the process after the command was cancelled by a signal: says so, with its status.
    static func exitAfterStopping() -> Never {
        let signal = termination.load(ordering: .relaxed)
        let message = signal == 0 ? "interrupted" : "stopped by \(name(of: signal))"
        // Written as is, never through a FileHandle: after SIGHUP standard error may be a terminal
        // that is gone, and the status must still be the signal's.
        let text = Array("error: \(message)\n".utf8)
        _ = text.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        exit(terminationStatus ?? ExitStatus.failure)
    }

    private static func name(of signal: Int32) -> String {
        switch signal {
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        default: "signal \(signal)"
        }
    }
}

/// A command that ends cleanly on SIGTERM by itself (a server run by swift-service-lifecycle):
/// ``Interrupt`` leaves SIGTERM and SIGHUP to it and cancels it on Ctrl-C only.
protocol StopsOnTermination: SendableMetatype {}

/// Takes the stopping signals over from ``Interrupt`` until ``cancel()``: `handle` is called with
/// the number of signals (1 for the first) instead of the command being cancelled.
final class InterruptHandler: Sendable {
    init(_ handle: @escaping @Sendable (Int) -> Void) {
        let presses = Mutex(0)
        Interrupt.redirect.withLock {
            $0 = {
                handle(
                    presses.withLock { count in
                        count += 1
                        return count
                    })
            }
        }
    }

    /// Gives the signals back to ``Interrupt``.
    func cancel() {
        Interrupt.redirect.withLock { $0 = nil }
    }
}
