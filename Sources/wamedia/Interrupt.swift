import Foundation
import Synchronization

/// Ctrl-C cancels the running command instead of ending the process at once, so a transcode
/// stops ffmpeg and the temporary files of the preparation are removed. A second Ctrl-C ends the
/// process at once. A command with steps of its own (a campaign stops claiming, then aborts) takes
/// Ctrl-C over with ``InterruptHandler`` while it runs: one signal source, one owner at a time.
enum Interrupt {
    private static let count = Atomic<Int>(0)
    /// The handler that has taken Ctrl-C over, if any.
    fileprivate static let redirect = Mutex<(@Sendable () -> Void)?>(nil)

    /// Whether Ctrl-C was pressed.
    static var happened: Bool { count.load(ordering: .relaxed) > 0 }

    static func cancelling(_ body: sending @escaping () async throws -> Void) async throws {
        signal(SIGINT, SIG_IGN)
        let task = Task { try await body() }
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            if let handle = redirect.withLock({ $0 }) {
                handle()
                return
            }
            if count.add(1, ordering: .relaxed).newValue > 1 { exit(ExitStatus.failure) }
            task.cancel()
        }
        source.resume()
        defer { source.cancel() }
        try await task.value
    }
}

/// Takes Ctrl-C over from ``Interrupt`` until ``cancel()``: `handle` is called with the number of
/// presses (1 for the first) instead of the command being cancelled.
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

    /// Gives Ctrl-C back to ``Interrupt``.
    func cancel() {
        Interrupt.redirect.withLock { $0 = nil }
    }
}
