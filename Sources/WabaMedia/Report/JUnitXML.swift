/// JUnit XML, the report format CI systems read, for a batch check and for a campaign alike.
///
/// A document is one suite, written in pieces: its ``opening(suite:tests:failures:skipped:)`` with
/// the counts, each ``testCase(className:name:outcome:)`` as it comes, then ``closing``. A report of a
/// million rows is streamed, never held whole.
public enum JUnitXML {
    /// How a test case ended.
    public enum Outcome: Sendable, Hashable {
        /// Passed, with what it printed, if anything.
        case passed(output: String?)
        /// Not run, and why.
        case skipped(message: String)
        /// Failed: a one-line message, the failure's type, and the details.
        case failed(message: String, type: String, details: String)
    }

    /// The document's opening, with the suite's counts.
    public static func opening(suite: String, tests: Int, failures: Int, skipped: Int) -> String {
        let name = escape(suite)
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuites name="\(name)" tests="\(tests)" failures="\(failures)" errors="0">
              <testsuite name="\(name)" tests="\(tests)" failures="\(failures)" errors="0" skipped="\(skipped)">

            """
    }

    /// One `<testcase>` element.
    public static func testCase(className: String, name: String, outcome: Outcome) -> String {
        var xml = "    <testcase classname=\"\(escape(className))\" name=\"\(escape(name))\" time=\"0\">\n"
        switch outcome {
        case .passed(let output?):
            xml += "      <system-out>\(escape(output))</system-out>\n"
        case .passed(nil):
            break
        case .skipped(let message):
            xml += "      <skipped message=\"\(escape(message))\"/>\n"
        case .failed(let message, let type, let details):
            xml +=
                "      <failure message=\"\(escape(message))\" type=\"\(escape(type))\">\(escape(details))</failure>\n"
        }
        return xml + "    </testcase>\n"
    }

    /// The document's end.
    public static let closing = "  </testsuite>\n</testsuites>\n"

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
