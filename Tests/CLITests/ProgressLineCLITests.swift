import Foundation
import TestSupport
import Testing

/// `text` with a shell's single quotes around it.
private func shellQuoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

@Suite("Progress line")
struct ProgressLineCLITests {
    @Test("check draws its counts on a terminal's standard error and erases them at the end; a pipe gets none")
    func checkOnTerminal() throws {
        let folder = try makeTemporaryDirectory()
        for index in 1...3 {
            try runTool(
                "vips", ["black", folder.appendingPathComponent("black\(index).png").path, "\(15 + index)", "16"])
        }
        let results = try makeTemporaryDirectory().appendingPathComponent("results.jsonl").path
        // Standard error on a pseudo-terminal (script's), standard output in a file.
        let command =
            "\(shellQuoted(executableURL.path)) check \(shellQuoted(folder.path)) --format json > \(shellQuoted(results))"
        let terminal = try runTool(
            "timeout", ["120", "script", "--quiet", "--return", "--command", command, "/dev/null"])
        let erase = "\r\u{1B}[K"
        #expect(terminal.hasPrefix(erase + "checked 1 · "), "\(terminal.debugDescription)")
        #expect(terminal.hasSuffix(erase), "\(terminal.debugDescription)")
        let draws = terminal.components(separatedBy: erase).filter { !$0.isEmpty }
        #expect(!draws.isEmpty && draws.allSatisfy { $0.hasPrefix("checked ") && $0.hasSuffix("/s") }, "\(draws)")
        #expect(draws.last?.contains(" · 0 rejected · ") == true, "\(draws)")
        let written = try String(contentsOfFile: results, encoding: .utf8)
        #expect(!written.contains("\u{1B}") && written.contains("\"verdict\""))

        let piped = try wamedia("check", folder.path)
        #expect(piped.status == 0)
        #expect(!piped.standardError.contains("\u{1B}") && !piped.standardError.contains("\r"))
    }
}
