/// A batch check as a JUnit XML report, for CI systems: one test case per asset, a failure for each
/// asset at or above the failing verdict.
///
/// Test cases are written one at a time (``testCase(for:)``); the header, which carries the counts,
/// is written last and put in front by the caller (``document(summary:casesByteCount:)``).
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
        let name = "\(report.inspection.file) as \(report.mediaType)"
        var xml =
            "    <testcase classname=\"\(Self.escape(result.origin))\" name=\"\(Self.escape(name))\" time=\"0\">\n"
        let details = report.findings.map { "\($0.severity) \($0.code): \($0.message)\n  hint: \($0.hint)" }
            .joined(separator: "\n")
        if result.verdict >= failAt && result.verdict != .ok {
            let worst = report.findings.filter { $0.severity.rawValue == result.verdict.rawValue }
            let message = worst.map(\.message).joined(separator: "; ")
            let type = worst.map(\.code.rawValue).joined(separator: ",")
            xml +=
                "      <failure message=\"\(Self.escape(message))\" type=\"\(Self.escape(type))\">\(Self.escape(details))</failure>\n"
        } else if !details.isEmpty {
            xml += "      <system-out>\(Self.escape("\(result.verdict)\n" + details))</system-out>\n"
        }
        xml += "    </testcase>\n"
        return xml
    }

    /// The document's opening, with the counts; the test cases follow it, then ``closing``.
    public func opening(summary: BatchSummary) -> String {
        let failures = Verdict.allCases.filter { $0 >= failAt && $0 != .ok }.map(summary.count).reduce(0, +)
        let suite = Self.escape(suiteName)
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuites name="\(suite)" tests="\(summary.total)" failures="\(failures)" errors="0">
              <testsuite name="\(suite)" tests="\(summary.total)" failures="\(failures)" errors="0" skipped="0">

            """
    }

    public var closing: String { "  </testsuite>\n</testsuites>\n" }

    /// Text made safe for XML attributes and content: markup characters escaped, and characters
    /// XML 1.0 cannot hold at all (most control characters) replaced by U+FFFD.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
            default:
                let value = scalar.value
                if value < 0x20 || value == 0xFFFE || value == 0xFFFF {
                    escaped += "\u{FFFD}"
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return escaped
    }
}
