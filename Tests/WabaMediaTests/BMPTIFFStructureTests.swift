import Foundation
import TestSupport
import Testing

@testable import WabaMedia

/// BMPs and TIFFs of the layouts cameras, scanners and editors write, made once with ImageMagick and libvips.
private final class BitmapCorpus: Sendable {
    static let shared = Result { try BitmapCorpus() }
    static func get() throws -> BitmapCorpus { try shared.get() }

    let directory: URL
    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name)))) }

    static let bmps = [
        "rgb24.bmp", "palette8.bmp", "mono.bmp", "rle8.bmp", "alpha32.bmp", "os2.bmp", "rgb565.bmp", "grey8.bmp",
    ]
    static let tiffs = [
        "strips.tif", "tiled.tif", "lzw.tif", "deflate.tif", "jpeg.tif", "multipage.tif", "deep.tif", "big-endian.tif",
    ]

    private init() throws {
        directory = try makeTemporaryDirectory("wamedia-bitmaps")
        func file(_ name: String) -> String { directory.appendingPathComponent(name).path }
        try runTool("convert", ["-size", "96x64", "gradient:red-blue", file("rgb.png")])
        try runTool(
            "convert",
            ["-size", "64x48", "xc:none", "-fill", "red", "-draw", "circle 32,24 32,4", "PNG32:" + file("rgba.png")])
        try runTool("convert", [file("rgb.png"), "bmp3:" + file("rgb24.bmp")])
        try runTool("convert", [file("rgb.png"), "-type", "Palette", "bmp3:" + file("palette8.bmp")])
        try runTool("convert", [file("rgb.png"), "-monochrome", "bmp3:" + file("mono.bmp")])
        try runTool("convert", [file("rgb.png"), "-type", "Grayscale", "bmp3:" + file("grey8.bmp")])
        try runTool("convert", [file("rgb.png"), "-type", "Palette", "-compress", "RLE", "bmp3:" + file("rle8.bmp")])
        try runTool("convert", [file("rgba.png"), "bmp:" + file("alpha32.bmp")])
        try runTool("convert", [file("rgb.png"), "bmp2:" + file("os2.bmp")])
        try runTool("convert", [file("rgb.png"), "-define", "bmp:subtype=RGB565", "bmp:" + file("rgb565.bmp")])
        try runTool("vips", ["tiffsave", file("rgb.png"), file("strips.tif")])
        try runTool(
            "vips",
            ["tiffsave", file("rgb.png"), file("tiled.tif"), "--tile", "--tile-width", "32", "--tile-height", "32"])
        try runTool("vips", ["tiffsave", file("rgb.png"), file("lzw.tif"), "--compression", "lzw"])
        try runTool(
            "vips",
            ["tiffsave", file("rgb.png"), file("deflate.tif"), "--compression", "deflate", "--predictor", "horizontal"])
        try runTool("vips", ["tiffsave", file("rgb.png"), file("jpeg.tif"), "--compression", "jpeg"])
        try runTool("convert", [file("rgb.png"), file("rgba.png"), file("multipage.tif")])
        try runTool("convert", [file("rgb.png"), "-depth", "16", file("deep.tif")])
        try runTool("convert", [file("rgb.png"), "-endian", "MSB", file("big-endian.tif")])
    }
}

@Suite("BMP and TIFF are proven whole from their structure")
struct BMPTIFFStructureTests {
    private static func verify(_ bytes: [UInt8], _ mime: MIMEType) -> ImageStructure.Result {
        bytes.withUnsafeBytes { ImageStructure.verify($0, mime: mime) }
    }

    private static func mime(_ name: String) -> MIMEType { name.hasSuffix(".bmp") ? "image/bmp" : "image/tiff" }

    @Test("whole files are intact, and libvips reads them", arguments: BitmapCorpus.bmps + BitmapCorpus.tiffs)
    func intact(name: String) throws {
        let corpus = try BitmapCorpus.get()
        #expect(Self.verify(try corpus.bytes(name), Self.mime(name)) == .intact)
        #expect(try ImageSource.file(FileSource(path: corpus.path(name))).damage(mime: Self.mime(name)) == nil)
    }

    @Test("a file cut short anywhere is refused", arguments: BitmapCorpus.bmps + BitmapCorpus.tiffs)
    func cutShort(name: String) throws {
        let bytes = try BitmapCorpus.get().bytes(name)
        for length in [4, 13, 30, bytes.count / 4, bytes.count / 2, bytes.count * 3 / 4, bytes.count - 1] {
            let result = Self.verify(Array(bytes.prefix(length)), Self.mime(name))
            #expect(result != .intact && result != .notChecked, "\(name) cut to \(length) of \(bytes.count): \(result)")
        }
    }

    @Test(
        "BMP headers read from the bytes equal libvips' (ImageMagick's), or are left to it",
        arguments: BitmapCorpus.bmps)
    func bmpHeaderAgreesWithLibvips(name: String) throws {
        let corpus = try BitmapCorpus.get()
        let parsed = try corpus.bytes(name).withUnsafeBytes { ImageHeaderParser.parse($0, mime: "image/bmp") }
        if let parsed {
            #expect(parsed == (try ImageInfo(path: corpus.path(name), mime: "image/bmp")))
        } else {
            #expect(name == "alpha32.bmp", "\(name) was not parsed")
        }
    }

    @Test("check rejects a cut-off BMP or TIFF as unreadable, naming the cut", arguments: ["rgb24.bmp", "lzw.tif"])
    func checkRejects(name: String) throws {
        let corpus = try BitmapCorpus.get()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cut = directory.appendingPathComponent("cut-" + name).path
        let bytes = try corpus.bytes(name)
        try Data(bytes.prefix(bytes.count * 2 / 3)).write(to: URL(fileURLWithPath: cut))
        let report = try MediaChecker(profile: .whatsappCloud).check(path: cut, as: .image)
        #expect(report.verdict == .rejected)
        #expect(report.findings.first { $0.code == .unreadable }?.message.contains("cut off") == true)
    }

    @Test("impossible headers are named")
    func impossibleHeaders() throws {
        let corpus = try BitmapCorpus.get()
        var bmp = try corpus.bytes("rgb24.bmp")
        bmp[28] = 7  // seven bits per pixel
        guard case .damaged(let reason) = Self.verify(bmp, "image/bmp") else {
            Issue.record("a 7-bit BMP passed")
            return
        }
        #expect(reason.contains("bit depth"))

        var tiff = try corpus.bytes("strips.tif")
        let little = tiff[0] == 0x49
        let first = little ? Int(tiff[4]) | Int(tiff[5]) << 8 | Int(tiff[6]) << 16 | Int(tiff[7]) << 24 : 0
        // Point the first directory's next-directory link back at itself.
        let count = little ? Int(tiff[first]) | Int(tiff[first + 1]) << 8 : 0
        let link = first + 2 + count * 12
        tiff.replaceSubrange(link..<(link + 4), with: Array(tiff[4..<8]))
        #expect(Self.verify(tiff, "image/tiff") == .damaged("its image directories form a loop"))
    }
}
