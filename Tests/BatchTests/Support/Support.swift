import Foundation
import TestSupport
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

extension CLIRun {
    /// The asset objects and the final summary object of a `--format json` run.
    func assetsAndSummary() throws -> ([[String: Any]], [String: Any]) {
        let objects = try allJSONLines()
        let summary = try #require(objects.last, "no output: \(standardError)")
        #expect(summary["summary"] as? Bool == true, "the last line is not the summary: \(summary)")
        #expect(objects.dropLast().allSatisfy { $0["summary"] == nil })
        return (Array(objects.dropLast()), summary)
    }
}

func sample(_ name: String) -> URL { samplesURL.appendingPathComponent(name) }

/// What an XML parser makes of a JUnit report: test cases, failures, and whether it parsed at all.
final class JUnitSummary: NSObject, XMLParserDelegate {
    var testCases: [String] = []
    var failures: [String] = []
    var suiteTests: Int?
    var suiteFailures: Int?
    private var currentCase = ""

    static func parse(_ text: String) throws -> JUnitSummary {
        let summary = JUnitSummary()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = summary
        guard parser.parse() else {
            throw FixtureError("the JUnit report does not parse: \(parser.parserError.map { "\($0)" } ?? "?")")
        }
        return summary
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        switch elementName {
        case "testsuite":
            suiteTests = attributes["tests"].flatMap(Int.init)
            suiteFailures = attributes["failures"].flatMap(Int.init)
        case "testcase":
            currentCase = attributes["classname"] ?? ""
            testCases.append(currentCase)
        case "failure":
            failures.append(currentCase)
        default:
            break
        }
    }
}
