import Foundation
import Synchronization

/// One line of progress on standard error, redrawn in place while a command runs. There is none
/// when standard error is not a terminal: nothing reaches a pipe or a log.
///
/// Every command draws its progress with it: `check`'s counts, a transcode's bar, a send's bytes,
/// a campaign's states. Each says what the line reads; the line decides when it is drawn.
final class ProgressLine: Sendable {
    private struct State {
        var lastDraw = ContinuousClock.now
        /// A line is on screen, to be redrawn or erased.
        var shown = false
    }

    private let state = Mutex(State())
    private let started = ContinuousClock.now
    private let minimumInterval: Duration
    /// Results printed on the same terminal must not land on the line.
    private let sharesTerminal = isatty(STDOUT_FILENO) != 0

    /// - Parameter minimumInterval: the least time between two redraws of a shown line.
    init?(minimumInterval: Duration = .milliseconds(100)) {
        guard Terminal.standardErrorIsTerminal else { return nil }
        self.minimumInterval = minimumInterval
    }

    /// Draws the text `text` makes in place of the line: at once when no line is shown or
    /// `always`, else at most once per interval (the text is not even made in between).
    /// - Parameter text: the line, from the seconds since the line was made (for rates and times left).
    func draw(always: Bool = false, _ text: (_ elapsedSeconds: Double) -> String) {
        let now = ContinuousClock.now
        state.withLock { state in
            guard always || !state.shown || now - state.lastDraw >= minimumInterval else { return }
            state.lastDraw = now
            state.shown = true
            let elapsed = now - started
            Self.write(
                "\r\u{1B}[K" + text(elapsed.seconds))
        }
    }

    /// Erases the line, when one is shown.
    func clear() {
        state.withLock { state in
            guard state.shown else { return }
            state.shown = false
            Self.write("\r\u{1B}[K")
        }
    }

    /// Erases the line before results are printed, when standard output is the same terminal.
    func clearForOutput() {
        if sharesTerminal { clear() }
    }

    /// Leaves the last line on screen and moves below it, when one is shown.
    func finish() {
        state.withLock { state in
            guard state.shown else { return }
            state.shown = false
            Self.write("\n")
        }
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
