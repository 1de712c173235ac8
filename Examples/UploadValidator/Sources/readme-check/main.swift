// README.md's first library example, as it stands there, between a check of what it found.
// Run from a folder holding campaign/hero.heic and invoice (a PDF without an extension), as
// scripts/check-consumer.sh does.

// --- README.md, "The library" ---
import WabaMedia

let checker = try MediaChecker(profile: try MediaProfile.load("whatsapp-cloud"))
let report = checker.check(path: "campaign/hero.heic", as: .image, caption: "New season")
switch report.verdict {
case .ok: break
case .fixable: print(report.findings.map(\.hint))     // what prepare will do
case .rejected: throw MyError(report.findings)
}

// Stage by stage:
let detector = try MIMEDetector()                     // libmagic; share it between tasks
let detection = try detector.detect(path: "invoice")  // "application/pdf", whatever the name
let inspection = try MediaInspector(detector: detector).inspect(path: "invoice")
let verdict = MediaValidator(profile: .whatsappCloud).validate(inspection, as: .document).verdict
// --- end of the README's example ---

// The example ran; what it found must be what the README says.
struct UnexpectedResult: Error, CustomStringConvertible { var description: String }
guard report.verdict == .fixable else {
    throw UnexpectedResult(description: "hero.heic is \(report.verdict), expected fixable (a HEIC is converted)")
}
guard detection.mime == .pdf, verdict == .ok else {
    throw UnexpectedResult(description: "invoice is \(detection.mime), \(verdict); expected application/pdf, ok")
}
print("readme-check: hero.heic \(report.verdict), invoice \(detection.mime) \(verdict)")
