import Foundation
import Synchronization
import WabaMedia

extension TranscodeProgress {
    /// Draws a transcode's progress on `line`, erased when the last pass ends:
    /// `transcoding pass 1/2 [=====     ] 48% 0:12 left`.
    static func drawing(on line: ProgressLine) -> @Sendable (TranscodeProgress) -> Void {
        let passStarted = Mutex((pass: 0, at: ContinuousClock.now))
        return { progress in
            let now = ContinuousClock.now
            let started = passStarted.withLock { state in
                if state.pass != progress.pass { state = (progress.pass, now) }
                return state.at
            }
            if progress.pass == progress.passes && (progress.fraction ?? 0) >= 1 {
                line.clear()
            } else {
                line.draw { _ in progress.lineText(passElapsed: now - started) }
            }
        }
    }

    private func lineText(passElapsed elapsed: Duration) -> String {
        let pass = passes > 1 ? " pass \(self.pass)/\(passes)" : ""
        guard let fraction else { return "transcoding\(pass): \(Int(mediaSeconds)) s written" }
        let width = 24
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        var text = "transcoding\(pass) [\(bar)] \(Int(fraction * 100))%"
        if fraction > 0.02 {
            let passSeconds = Double(elapsed.components.seconds) / fraction
            let left = Int(passSeconds * (1 - fraction) + passSeconds * Double(passes - self.pass))
            text += " \(left / 60):\(String(format: "%02d", left % 60)) left"
        }
        return text
    }
}
