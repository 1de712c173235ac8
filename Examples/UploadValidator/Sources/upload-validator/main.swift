// Checks an uploaded file the way a content-management system would before accepting it for a
// WhatsApp campaign: one line with the verdict on stdout, the findings under it.
//
//   upload-validator FILE [image|video|audio|document]
//
// Exit status: 0 the file can be sent (ok, or fixable by preparing it), 1 rejected, 2 usage.
import Foundation
import WabaMedia

func exit(_ status: Int32, saying message: String) -> Never {
    FileHandle.standardError.write(Data("upload-validator: \(message)\n".utf8))
    exit(status)
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard (1...2).contains(arguments.count) else {
    exit(2, saying: "usage: upload-validator FILE [image|video|audio|document]")
}
let path = arguments[0]
var mediaType: MediaType?
if arguments.count == 2 {
    guard let type = MediaType(rawValue: arguments[1]) else {
        exit(2, saying: "unknown media type '\(arguments[1])': use image, video, audio or document")
    }
    mediaType = type
}

let checker: MediaChecker
do {
    // A file only a transcode makes sendable is fixable when there is an ffmpeg to do it.
    checker = try MediaChecker(profile: .whatsappCloud, ffmpeg: await FFmpegCapabilities.installed())
} catch {
    exit(1, saying: "cannot start the checker: \(error)")
}
let report = checker.check(path: path, as: mediaType)
print("\(path): \(report.verdict) as \(report.mediaType)")
for finding in report.findings {
    print("  \(finding.severity) \(finding.code): \(finding.message)")
    print("    hint: \(finding.hint)")
}
exit(report.verdict == .rejected ? 1 : 0)
