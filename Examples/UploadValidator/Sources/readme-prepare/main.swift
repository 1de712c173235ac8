// README.md's preparing example, as it stands there. Run from a folder holding campaign/hero.heic
// and an empty ready/, as scripts/check-consumer.sh does.

// --- README.md, "The library" ---
import WabaMedia

// libvips, libmagic and file work run on threads the caller owns, never on the cooperative pool.
try await BlockingExecutor.withExecutor(threads: 2) { executor in
    let preparer = try MediaPreparer(options: .init(stripMetadata: true), executor: executor)
    try await preparer.withPreparedMedia(at: "campaign/hero.heic", as: .image) { media in
        print(media.action, media.steps)      // fitted-image ["convert HEIF to JPEG", …]
        try await executor.run { try media.write(to: "ready/hero.\(media.fileExtension)") }  // atomic
    }
}
// --- end of the README's example ---

// The example ran; what it wrote must be a sendable JPEG.
struct UnexpectedResult: Error, CustomStringConvertible { var description: String }
let written = try MediaChecker(profile: .whatsappCloud).check(path: "ready/hero.jpg", as: .image)
guard written.verdict == .ok, written.inspection.mime == .jpeg else {
    throw UnexpectedResult(description: "ready/hero.jpg is \(written.inspection.mime), \(written.verdict)")
}
print("readme-prepare: ready/hero.jpg \(written.inspection.mime) \(written.verdict)")
