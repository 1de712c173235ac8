import WabaMedia

/// What the README's example throws for a rejected file.
struct MyError: Error, CustomStringConvertible {
    var findings: [Finding]
    init(_ findings: [Finding]) { self.findings = findings }
    var description: String { findings.map { "\($0.code): \($0.message)" }.joined(separator: "; ") }
}
