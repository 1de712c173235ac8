import WabaMedia

extension ValidationReport {
    /// Why a file is rejected or what preparing it would change, for people: `check`'s details and
    /// the report `payload` and `send` print when they refuse a file.
    func explanation(origin: String? = nil) -> [String] {
        guard !findings.isEmpty || !plannedSteps.isEmpty else { return [] }
        // Names and messages come from outside (file names, manifest rows, servers): escaped, so
        // they cannot drive the terminal or split a line.
        let from = origin.map { $0 == inspection.file ? "" : " [\(TerminalText.quoted($0))]" } ?? ""
        var lines = ["\(TerminalText.quoted(inspection.file))\(from) (\(verdict)):"]
        for finding in findings {
            lines.append("  \(finding.severity) \(finding.code): \(TerminalText.escaped(finding.message))")
            lines.append("    hint: \(TerminalText.escaped(finding.hint))")
        }
        if !plannedSteps.isEmpty {
            lines.append("  prepare would: \(plannedSteps.joined(separator: "; "))")
        }
        return lines
    }
}
