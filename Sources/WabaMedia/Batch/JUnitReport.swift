/// A batch check as a JUnit XML report, for CI systems: one test case per asset, a failure for each
/// asset at or above the failing verdict.
///
/// Test cases are written one at a time (``testCase(for:)``); the opening, which carries the counts,
/// is written once they are known and put in front by the caller (``opening(summary:)``). The XML
/// itself is ``JUnitXML``'s, as a campaign's report is.
public struct JUnitReport: Sendable {
    public var suiteName: String
    /// The verdict from which an asset is a failure: `rejected`, or `fixable` with `--fail-on fixable`.
    public var failAt: Verdict

    public init(suiteName: String = "wamedia check", failAt: Verdict = .rejected) {
        self.suiteName = suiteName
        self.failAt = failAt
    }

    /// The `<testcase>` element for one asset.
    public func testCase(for result: BatchResult) -> String {
        let report = result.report
        let details = report.findings.map { "\($0.severity) \($0.code): \($0.message)\n  hint: \($0.hint)" }
            .joined(separator: "\n")
        let outcome: JUnitXML.Outcome
        if result.verdict >= failAt && result.verdict != .ok {
            let worst = report.findings.filter { $0.severity.rawValue == result.verdict.rawValue }
            outcome = .failed(
                message: worst.map(\.message).joined(separator: "; "),
                type: worst.map(\.code.rawValue).joined(separator: ","), details: details)
        } else {
            outcome = .passed(output: details.isEmpty ? nil : "\(result.verdict)\n" + details)
        }
        return JUnitXML.testCase(
            className: result.origin, name: "\(report.inspection.file) as \(report.mediaType)", outcome: outcome)
    }

    /// The document's opening, with the counts; the test cases follow it, then ``closing``.
    public func opening(summary: BatchSummary) -> String {
        let failures = Verdict.allCases.filter { $0 >= failAt && $0 != .ok }.map(summary.count).reduce(0, +)
        return JUnitXML.opening(suite: suiteName, tests: summary.total, failures: failures, skipped: 0)
    }

    public var closing: String { JUnitXML.closing }
}
