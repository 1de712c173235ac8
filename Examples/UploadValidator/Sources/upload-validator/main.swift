// Checks an uploaded file the way a content-management system would before accepting it for a
// WhatsApp campaign: one line with the verdict on stdout, the findings under it.
//
//   upload-validator FILE [image|video|audio|document]
//
// Exit status: 0 the file can be sent (ok, or fixable by preparing it), 1 rejected, 2 usage.
import WabaMedia

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

let arguments = CommandLine.arguments.dropFirst()
guard (1...2).contains(arguments.count) else {
    fputs("usage: upload-validator FILE [image|video|audio|document]\n", stderr)
    exit(2)
}
let path = arguments[arguments.startIndex]
var mediaType: MediaType?
if arguments.count == 2 {
    let name = arguments[arguments.startIndex + 1]
    guard let type = MediaType(rawValue: name) else {
        fputs("upload-validator: unknown media type '\(name)': use image, video, audio or document\n", stderr)
        exit(2)
    }
    mediaType = type
}

let checker: MediaChecker
do {
    checker = try MediaChecker(profile: .whatsappCloud)
} catch {
    fputs("upload-validator: cannot start the checker: \(error)\n", stderr)
    exit(1)
}
let report = checker.check(path: path, as: mediaType)
print("\(path): \(report.verdict) as \(report.mediaType)")
for finding in report.findings {
    print("  \(finding.severity) \(finding.code): \(finding.message)")
    print("    hint: \(finding.hint)")
}
exit(report.verdict == .rejected ? 1 : 0)
