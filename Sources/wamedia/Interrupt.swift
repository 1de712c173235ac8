import Foundation
import Synchronization

/// Ctrl-C cancels the running command instead of ending the process at once, so a transcode
/// stops ffmpeg and the temporary files of the preparation are removed. A second Ctrl-C ends the
/// process at once.
enum Interrupt {
    private static let count = Atomic<Int>(0)

    /// Whether Ctrl-C was pressed.
    static var happened: Bool { count.load(ordering: .relaxed) > 0 }

    static func cancelling(_ body: sending @escaping () async throws -> Void) async throws {
        signal(SIGINT, SIG_IGN)
        let task = Task { try await body() }
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            if count.add(1, ordering: .relaxed).newValue > 1 { exit(ExitStatus.failure) }
            task.cancel()
        }
        source.resume()
        defer { source.cancel() }
        try await task.value
    }
}
