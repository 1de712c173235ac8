import Foundation
import TestSupport
import Testing

@testable import WabaMedia

/// `check` and `prepare` give the same verdict on a file: what the check refuses from the file's
/// structure, the preparation refuses too, even where a decoder would read past it.
@Suite struct VerdictAgreementTests {
    /// A TIFF of `pages` pages (written by libvips and ImageMagick) whose last image directory links
    /// back to the first: the directories form a loop.
    static func loopingTIFF(pages: Int) throws -> String {
        let folder = try makeTemporaryDirectory("wamedia-tiff-loop")
        let png = folder.appendingPathComponent("page.png").path
        try runTool("convert", ["-size", "48x32", "gradient:red-blue", png])
        let tiff = folder.appendingPathComponent("loop-\(pages).tif").path
        if pages == 1 {
            try runTool("vips", ["tiffsave", png, tiff])
        } else {
            try runTool("convert", Array(repeating: png, count: pages) + [tiff])
        }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: tiff)))
        let little = bytes[0] == 0x49
        func u16(_ at: Int) -> Int {
            little ? Int(bytes[at]) | Int(bytes[at + 1]) << 8 : Int(bytes[at]) << 8 | Int(bytes[at + 1])
        }
        func u32(_ at: Int) -> Int { little ? u16(at) | u16(at + 2) << 16 : u16(at) << 16 | u16(at + 2) }
        let first = u32(4)
        var directory = first
        var link = 0
        for _ in 0..<pages {
            link = directory + 2 + u16(directory) * 12
            directory = u32(link)
        }
        #expect(directory == 0, "the TIFF has more than \(pages) pages")
        bytes.replaceSubrange(link..<(link + 4), with: bytes[4..<8])
        try Data(bytes).write(to: URL(fileURLWithPath: tiff))
        return tiff
    }

    @Test("a TIFF whose directories loop is refused by check and by prepare alike", arguments: [1, 2])
    func loopingTIFFDirectories(pages: Int) async throws {
        let path = try Self.loopingTIFF(pages: pages)
        // `wamedia check` proves images whole from their structure (MediaChecker's default).
        let report = try MediaChecker(profile: .whatsappCloud).check(path: path, as: .image)
        #expect(report.verdict == .rejected)
        let checked = try #require(report.findings.first { $0.code == .unreadable })
        #expect(checked.message.contains("loop"), "\(checked.message)")

        let preparer = try MediaPreparer(executor: .tests)
        do {
            try await preparer.withPreparedMedia(at: path, as: .image) { (media: PreparedMedia) async in
                Issue.record("prepare made \(media.steps) of a TIFF check refuses")
            }
        } catch let rejected as WabaMediaError where rejected.code == .rejected {
            let prepared = try #require(rejected.blocking.first { $0.code == .unreadable })
            #expect(prepared.message.contains("its image directories form a loop"), "\(prepared.message)")
        }
        // The library's own entry point refuses it too.
        #expect(throws: WabaMediaError.self) { try ImageFitter(profile: .whatsappCloud).fit(path: path) }
    }

    @Test("an intact TIFF is still prepared")
    func intactTIFFIsPrepared() async throws {
        let folder = try makeTemporaryDirectory("wamedia-tiff")
        let png = folder.appendingPathComponent("page.png").path
        try runTool("convert", ["-size", "48x32", "gradient:red-blue", png])
        let tiff = folder.appendingPathComponent("whole.tif").path
        try runTool("vips", ["tiffsave", png, tiff])
        let preparer = try MediaPreparer(executor: .tests)
        let mime = try await preparer.withPreparedMedia(at: tiff, as: .image) { (media: PreparedMedia) async in
            media.mime
        }
        #expect(mime == "image/jpeg")
    }

    @Test("a whole TIFF libvips cannot read (16-bit planes in tiles) is refused by check and by prepare alike")
    func unreadableLayoutIsRefused() async throws {
        let folder = try makeTemporaryDirectory("wamedia-tiff-planes")
        let tiff = folder.appendingPathComponent("planes.tif").path
        try runTool(
            "convert",
            [
                "-size", "200x150", "gradient:red-blue", "-depth", "16", "-interlace", "plane", "-define",
                "tiff:tile-geometry=64x64", tiff,
            ])
        #expect(
            try ImageStructure.verify(fileAt: tiff, mime: .tiff) == .notChecked,
            "a whole file, in a layout its structure leaves to the decode")
        let report = try MediaChecker(profile: .whatsappCloud).check(path: tiff, as: .image)
        #expect(report.verdict == .rejected)
        let checked = try #require(report.findings.first { $0.code == .unreadable })
        #expect(checked.message.contains("tiled separate planes"), "\(checked.message)")

        let preparer = try MediaPreparer(executor: .tests)
        do {
            try await preparer.withPreparedMedia(at: tiff, as: .image) { (media: PreparedMedia) async in
                Issue.record("prepare made \(media.steps) of a TIFF check refuses")
            }
        } catch let rejected as WabaMediaError where rejected.code == .rejected {
            #expect(rejected.blocking.contains { $0.code == .unreadable })
        }
    }
}
