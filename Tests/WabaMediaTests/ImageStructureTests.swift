import Foundation
import TestSupport
import Testing

@testable import WabaMedia

/// Images of every shape the structural check and the header parser meet, made once with libvips and
/// ImageMagick.
private final class StructureCorpus: Sendable {
    static let shared = Result { try StructureCorpus() }
    static func get() throws -> StructureCorpus { try shared.get() }

    let directory: URL

    private init() throws {
        directory = try makeTemporaryDirectory()
        func file(_ name: String) -> String { directory.appendingPathComponent(name).path }
        try runTool("vips", ["perlin", file("p.v"), "320", "240", "--cell-size", "40"])
        try runTool("vips", ["linear", file("p.v"), file("l.v"), "100", "128"])
        try runTool("vips", ["bandjoin", "\(file("l.v")) \(file("l.v")) \(file("p.v"))", file("rgbf.v")])
        try runTool("vips", ["cast", file("rgbf.v"), file("rgb8.v"), "uchar"])
        try runTool("vips", ["copy", file("rgb8.v"), file("rgb.v"), "--interpretation", "srgb"])
        try runTool("vips", ["jpegsave", file("rgb.v"), file("baseline.jpg"), "--Q", "90"])
        try runTool("vips", ["jpegsave", file("rgb.v"), file("progressive.jpg"), "--interlace"])
        try runTool("convert", [file("baseline.jpg"), "-colorspace", "Gray", file("grey.jpg")])
        try runTool("convert", [file("baseline.jpg"), "-colorspace", "CMYK", file("cmyk.jpg")])
        try runTool("convert", [file("baseline.jpg"), "-define", "jpeg:restart-interval=2", file("restart.jpg")])
        try runTool("vips", ["jpegsave", file("rgb.v"), file("icc.jpg"), "--profile", "srgb"])
        try runTool("vips", ["pngsave", file("rgb.v"), file("rgb.png")])
        try runTool("vips", ["pngsave", file("rgb.v"), file("interlaced.png"), "--interlace"])
        try runTool("convert", [file("baseline.jpg"), "-colorspace", "Gray", file("grey.png")])
        try runTool("convert", [file("baseline.jpg"), "-depth", "16", "PNG48:" + file("deep.png")])
        try runTool(
            "convert",
            ["-size", "64x48", "gradient:black-white", "-type", "Palette", "png8:" + file("grey-palette.png")])
        try runTool(
            "convert", ["-size", "64x48", "gradient:red-blue", "-type", "Palette", "png8:" + file("palette.png")])
        try runTool(
            "convert",
            [
                "-size", "64x48", "xc:none", "-fill", "red", "-draw", "rectangle 0,0 20,20",
                "png8:" + file("palette-alpha.png"),
            ])
        try runTool("convert", ["-size", "64x48", "xc:white", "-monochrome", file("mono.png")])
        try runTool(
            "convert",
            ["-size", "64x48", "xc:none", "-fill", "red", "-draw", "circle 32,24 32,4", "PNG32:" + file("rgba.png")])
        try runTool(
            "convert",
            [
                "-size", "64x48", "xc:none", "-fill", "gray", "-draw", "circle 32,24 32,4", "-depth", "16",
                "-colorspace", "Gray", "PNG:" + file("grey-alpha16.png"),
            ])
        try runTool("vips", ["webpsave", file("rgb.v"), file("lossy.webp")])
        try runTool("vips", ["webpsave", file("rgb.v"), file("lossless.webp"), "--lossless"])
        try runTool("convert", [file("rgba.png"), file("alpha.webp")])
        try runTool("convert", [file("rgba.png"), "-define", "webp:lossless=true", file("alpha-lossless.webp")])
        try runTool(
            "convert", ["-delay", "10", file("baseline.jpg"), "-negate", file("baseline.jpg"), file("animated.webp")])
        try runTool("vips", ["copy", file("rgb.v"), file("plain.gif")])
        try runTool(
            "convert", ["-delay", "10", file("baseline.jpg"), "-negate", file("baseline.jpg"), file("animated.gif")])
        try runTool("vips", ["copy", file("animated.gif") + "[n=-1]", file("animated.webp")])
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name)))) }

    static let jpegs = ["baseline.jpg", "progressive.jpg", "grey.jpg", "cmyk.jpg", "restart.jpg", "icc.jpg"]
    static let pngs = [
        "rgb.png", "interlaced.png", "grey.png", "deep.png", "grey-palette.png", "palette.png", "palette-alpha.png",
        "mono.png", "rgba.png", "grey-alpha16.png",
    ]
    static let webps = ["lossy.webp", "lossless.webp", "alpha.webp", "alpha-lossless.webp", "animated.webp"]
    static let gifs = ["plain.gif", "animated.gif"]
    static let all = jpegs + pngs + webps + gifs

    static func mime(of name: String) -> MIMEType {
        switch name.split(separator: ".").last! {
        case "jpg": "image/jpeg"
        case "png": "image/png"
        case "webp": "image/webp"
        default: "image/gif"
        }
    }
}

@Suite("Structural integrity of images, without decoding")
struct ImageStructureTests {
    @Test("whole images of every kind are intact", arguments: StructureCorpus.all)
    func wholeImagesAreIntact(name: String) throws {
        let corpus = try StructureCorpus.get()
        let result = try ImageStructure.verify(fileAt: corpus.path(name), mime: StructureCorpus.mime(of: name))
        #expect(result == .intact)
    }

    @Test("an image cut anywhere is damaged", arguments: StructureCorpus.all)
    func cutImagesAreDamaged(name: String) throws {
        let bytes = try StructureCorpus.get().bytes(name)
        let mime = StructureCorpus.mime(of: name)
        // Cuts in the header, in the middle and just before the end, where a reduced-size decode
        // often reads on without noticing.
        for cut in [bytes.count / 50, bytes.count / 3, bytes.count / 2, bytes.count - 2] where cut > 0 {
            let result = Array(bytes.prefix(cut)).withUnsafeBytes { ImageStructure.verify($0, mime: mime) }
            guard case .damaged(let reason) = result else {
                Issue.record("\(name) cut at \(cut) of \(bytes.count) passed as \(result)")
                continue
            }
            #expect(!reason.isEmpty)
        }
    }

    @Test("a cut-off JPEG too large to be read whole with the other stages is found from its file")
    func largeFileIsChecked() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func file(_ name: String) -> String { directory.appendingPathComponent(name).path }
        try runTool("vips", ["gaussnoise", file("noise.v"), "2400", "2400", "--sigma", "60"])
        try runTool("vips", ["cast", file("noise.v"), file("noise8.v"), "uchar"])
        try runTool("vips", ["jpegsave", file("noise8.v"), file("large.jpg"), "--Q", "100"])
        let whole = try Data(contentsOf: URL(fileURLWithPath: file("large.jpg")))
        #expect(whole.count > MediaInspector.wholeReadLimit)
        try whole.prefix(whole.count - 100_000).write(to: URL(fileURLWithPath: file("cut.jpg")))

        let inspector = MediaInspector(detector: try MIMEDetector(), options: .init(imageVerification: .structure))
        #expect(try inspector.inspect(path: file("large.jpg")).imageDamage == nil)
        let cut = try inspector.inspect(path: file("cut.jpg"))
        #expect(cut.imageDamage == "the file ends in the middle of the image: it was cut off")
    }

    @Test("a PNG chunk with a bad checksum is damaged and named")
    func corruptPNGChunk() throws {
        var bytes = try StructureCorpus.get().bytes("rgb.png")
        bytes[bytes.count / 2] ^= 0x40
        let result = bytes.withUnsafeBytes { ImageStructure.verify($0, mime: "image/png") }
        guard case .damaged(let reason) = result else {
            Issue.record("a flipped bit passed as \(result)")
            return
        }
        #expect(reason.contains("IDAT") && reason.contains("checksum"))
    }

    @Test("a JPEG that ends without its end-of-image marker is cut off")
    func jpegWithoutEnd() throws {
        let bytes = try StructureCorpus.get().bytes("baseline.jpg").dropLast(2)
        let result = Array(bytes).withUnsafeBytes { ImageStructure.verify($0, mime: "image/jpeg") }
        #expect(result == ImageStructure.cutOff)
    }

    @Test(
        "a JPEG read from its file a window at a time gets the verdict of the whole file in memory, wherever the windows end",
        arguments: StructureCorpus.jpegs)
    func windowedJPEGAgreesWithWhole(name: String) throws {
        let bytes = try StructureCorpus.get().bytes(name)
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent(name).path
        var frame = bytes
        let frameHeader = try #require(
            (2..<(bytes.count - 1)).first { bytes[$0] == 0xFF && [0xC0, 0xC1, 0xC2].contains(bytes[$0 + 1]) })
        frame[frameHeader + 3] = 1  // a segment length under two
        var scanFirst = bytes
        scanFirst[frameHeader + 1] = 0xDA  // a scan before any frame header
        var noStart = bytes
        noStart[1] = 0xD9
        let variants: [(String, [UInt8])] =
            [
                ("whole", bytes), ("impossible length", frame), ("scan first", scanFirst), ("no start", noStart),
                ("no end", Array(bytes.dropLast(2))),
                ("ended early", Array(bytes.prefix(bytes.count / 2)) + [0xFF, 0xD9]),
            ]
            + [bytes.count / 50, bytes.count / 3, bytes.count / 2, bytes.count - 2].map {
                ("cut at \($0)", Array(bytes.prefix($0)))
            }
        for (variant, content) in variants {
            try Data(content).write(to: URL(fileURLWithPath: path))
            let whole = content.withUnsafeBytes { ImageStructure.verify($0, mime: "image/jpeg") }
            // Windows of one byte up: every marker, length and stuffed FF 00 falls across an edge.
            for chunk in [1, 2, 3, 5, 64, 4096, FileWindow.defaultChunk] {
                let windowed = try ImageStructure.verify(FileSource(path: path), mime: "image/jpeg", chunk: chunk)
                #expect(windowed == whole, "\(name), \(variant), \(chunk)-byte windows")
            }
        }
    }

    @Test("a JPEG whose markers straddle the edge of a 1 MiB window is read through it")
    func markersAcrossTheDefaultWindow() throws {
        let baseline = try StructureCorpus.get().bytes("baseline.jpg")
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("padded.jpg").path
        // Comment segments after the start marker, sized so that the next marker's FF starts one,
        // two and three bytes before the window's edge: its code and length come from the next window.
        for before in 1...3 {
            var padding = FileWindow.defaultChunk - before - 2
            var padded = Array(baseline.prefix(2))
            while padding > 0 {
                // A segment is its marker, then a length that counts itself (at most 65535).
                let segment = padding > 65537 + 4 ? 65537 : padding
                padded += [0xFF, 0xFE, UInt8((segment - 2) >> 8), UInt8((segment - 2) & 0xFF)]
                padded += [UInt8](repeating: 0x20, count: segment - 4)
                padding -= segment
            }
            #expect(padded.count == FileWindow.defaultChunk - before)
            padded += baseline.dropFirst(2)
            for (content, verdict) in [
                (padded, ImageStructure.Result.intact), (Array(padded.dropLast(2)), ImageStructure.cutOff),
            ] {
                try Data(content).write(to: URL(fileURLWithPath: path))
                #expect(content.withUnsafeBytes { ImageStructure.verify($0, mime: "image/jpeg") } == verdict)
                #expect(
                    try ImageStructure.verify(fileAt: path, mime: "image/jpeg") == verdict, "\(before) before the edge")
            }
        }
    }

    @Test("a WebP whose RIFF size runs past the end is cut off")
    func webpPastTheEnd() throws {
        var bytes = try StructureCorpus.get().bytes("lossy.webp")
        bytes[4] = 0xFF
        let result = bytes.withUnsafeBytes { ImageStructure.verify($0, mime: "image/webp") }
        #expect(result == ImageStructure.cutOff)
    }

    @Test("types without a structural check are left to a decode")
    func otherTypesAreNotChecked() {
        let result = [UInt8](repeating: 0, count: 64).withUnsafeBytes { ImageStructure.verify($0, mime: "image/heic") }
        #expect(result == .notChecked)
    }

    @Test("damage inside compressed data that leaves the structure whole needs a decode: --verify-images decode")
    func damageInsideNeedsDecode() throws {
        let corpus = try StructureCorpus.get()
        var bytes = try corpus.bytes("baseline.jpg")
        // Huffman code counts that add up to more codes than there can be: same length, so the segment
        // walk is unchanged, but no decoder can use the table.
        let table = try #require((2..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC4 })
        for index in (table + 5)..<(table + 21) { bytes[index] = 0xFF }
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bad-table.jpg").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let structure = MediaInspector(detector: try MIMEDetector(), options: .init(imageVerification: .structure))
        let decode = MediaInspector(detector: try MIMEDetector(), options: .init(imageVerification: .decode))
        #expect(try structure.inspect(path: path).imageDamage == nil)
        #expect(try decode.inspect(path: path).imageDamage != nil)
    }
}

@Suite("Image headers read from the bytes agree with libvips")
struct ImageHeaderParserTests {
    @Test("every field equals libvips' answer, or the parser defers to libvips", arguments: StructureCorpus.all)
    func agreesWithLibvips(name: String) throws {
        let corpus = try StructureCorpus.get()
        let mime = StructureCorpus.mime(of: name)
        let reference = try ImageInfo(path: corpus.path(name), mime: mime)
        let parsed = try corpus.bytes(name).withUnsafeBytes { ImageHeaderParser.parse($0, mime: mime) }
        if let parsed {
            #expect(parsed == reference)
        }
    }

    @Test(
        "the bundled samples parse as libvips reads them",
        arguments: [
            ("photo.jpg", "image/jpeg"), ("scan.jpg", "image/png"), ("logo.png", "image/png"),
            ("sticker.webp", "image/webp"),
        ])
    func samplesAgreeWithLibvips(name: String, mime: MIMEType) throws {
        let path = samplesURL.appendingPathComponent(name).path
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let parsed = try #require(bytes.withUnsafeBytes { ImageHeaderParser.parse($0, mime: mime) })
        #expect(parsed == (try ImageInfo(path: path, mime: mime)))
    }

    @Test("the common still images are parsed, not deferred")
    func commonImagesAreParsed() throws {
        let corpus = try StructureCorpus.get()
        let deferred = ["animated.webp"] + StructureCorpus.gifs
        for name in StructureCorpus.all {
            let parsed = try corpus.bytes(name).withUnsafeBytes {
                ImageHeaderParser.parse($0, mime: StructureCorpus.mime(of: name))
            }
            #expect((parsed == nil) == deferred.contains(name), "\(name)")
        }
    }

    @Test("EXIF orientation and metadata flags come from the bytes")
    func orientationAndMetadata() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = try StructureCorpus.get().path("baseline.jpg")
        let oriented = directory.appendingPathComponent("oriented.jpg").path
        try FitterFixtures.writeOrientedJPEG(from: source, halves: directory, to: oriented)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: oriented)))
        let parsed = try #require(bytes.withUnsafeBytes { ImageHeaderParser.parse($0, mime: "image/jpeg") })
        #expect(parsed.orientation == 6 && parsed.hasEXIF)
        #expect(parsed == (try ImageInfo(path: oriented, mime: "image/jpeg")))
    }

    @Test("orientations outside 1...8 are clipped as libvips clips them")
    func orientationIsClipped() {
        func tiff(orientation: UInt8) -> [UInt8] {
            [0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0]
        }
        #expect(tiff(orientation: 0).withUnsafeBytes { ImageHeaderParser.exifOrientation($0) } == 1)
        #expect(tiff(orientation: 9).withUnsafeBytes { ImageHeaderParser.exifOrientation($0) } == 8)
        #expect(tiff(orientation: 3).withUnsafeBytes { ImageHeaderParser.exifOrientation($0) } == 3)
        #expect([UInt8]("garbage!".utf8).withUnsafeBytes { ImageHeaderParser.exifOrientation($0) } == nil)
    }
}
