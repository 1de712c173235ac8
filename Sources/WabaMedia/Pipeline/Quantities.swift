import Foundation

/// A byte count as people read it: 5.0 MB (10^6), matching how the limits are written. The CLI,
/// the HTML report and the sandbox's inbox all write sizes with it; a tenth is rounded half up.
package struct ByteCount: CustomStringConvertible, Sendable {
    package var bytes: Int
    package init(_ bytes: Int) { self.bytes = bytes }

    package var description: String {
        if bytes < 1_000 { return "\(bytes) B" }
        if bytes < 1_000_000 { return "\(decimal(bytes, 1_000)) kB" }
        if bytes < 1_000_000_000 { return "\(decimal(bytes, 1_000_000)) MB" }
        return "\(decimal(bytes, 1_000_000_000)) GB"
    }

    private func decimal(_ value: Int, _ unit: Int) -> String {
        let tenths = (value * 10 + unit / 2) / unit
        return "\(tenths / 10).\(tenths % 10)"
    }
}

/// A playing time as people read it: `0:07`, `3:25`, `72:00` (minutes and seconds, rounded to the
/// second). The HTML report and the sandbox's inbox write durations with it.
package struct PlayingTime: CustomStringConvertible, Sendable {
    package var seconds: Double
    package init(seconds: Double) { self.seconds = seconds }

    package var description: String {
        // A duration from a file's headers can be anything: what is not a finite length reads as 0.
        let total = seconds.isFinite ? Int(min(max(seconds, 0), 1e12).rounded()) : 0
        return String(format: "%d:%02d", total / 60, total % 60)
    }
}

extension Duration {
    /// Whole nanoseconds, saturating at Int64's range instead of trapping: what NIO's time amounts
    /// and metrics' timers take.
    package var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (total, overflowAdding) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflowAdding ? .max : total
    }

    /// The length in seconds, fractions included: what rates, leases and process limits compute with.
    package var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension Duration {
    /// The length as people read it: `2 s`, `0.5 s`; whole seconds have no decimal point.
    /// - Parameter roundedToMilliseconds: round a fraction to the millisecond (a rate's window);
    ///   otherwise it is written in full, as a timeout was set.
    package func secondsText(roundedToMilliseconds: Bool = false) -> String {
        if components.attoseconds == 0 { return "\(components.seconds) s" }
        return "\(roundedToMilliseconds ? (seconds * 1000).rounded() / 1000 : seconds) s"
    }
}
