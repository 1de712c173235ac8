import Foundation
import TestSupport
import Testing

@testable import WabaMedia

/// Images made once per run with libvips and ImageMagick, for the fitter's tests.
struct FitterFixtures: Sendable {
    let directory: URL

    static let shared: Result<FitterFixtures, any Error> = Result { try FitterFixtures() }
    static func get() throws -> FitterFixtures { try shared.get() }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private init() throws {
        directory = try makeTemporaryDirectory("wamedia-fitter")
        let dir = directory
        func file(_ name: String) -> String { dir.appendingPathComponent(name).path }
        // A photo-like image: soft structure plus fine noise, so JPEG sizes respond to quality.
        try runTool("vips", ["perlin", file("perlin.v"), "1600", "1200", "--cell-size", "96"])
        try runTool("vips", ["linear", file("perlin.v"), file("base.v"), "100", "128"])
        try runTool("vips", ["gaussnoise", file("noise.v"), "1600", "1200", "--sigma", "10", "--mean", "0"])
        try runTool("vips", ["add", file("base.v"), file("noise.v"), file("red.v")])
        try runTool("vips", ["linear", file("perlin.v"), file("blue.v"), " -90", "128"])
        try runTool("vips", ["bandjoin", "\(file("red.v")) \(file("base.v")) \(file("blue.v"))", file("rgb.v")])
        try runTool("vips", ["cast", file("rgb.v"), file("rgb8.v"), "uchar"])
        try runTool("vips", ["copy", file("rgb8.v"), file("photo.v"), "--interpretation", "srgb"])
        try runTool("vips", ["jpegsave", file("photo.v"), file("photo.jpg"), "--Q", "95"])
        try runTool("vips", ["jpegsave", file("photo.v"), file("clean.jpg"), "--Q", "80", "--strip"])
        try runTool("vips", ["webpsave", file("photo.v"), file("photo.webp")])
        try runTool("vips", ["heifsave", file("photo.v"), file("photo.heic"), "--compression", "hevc"])
        try runTool("vips", ["tiffsave", file("photo.v"), file("photo.tif")])
        try runTool("convert", [file("clean.jpg"), "-depth", "16", file("photo16.tif")])
        try runTool("convert", [file("clean.jpg"), file("photo.bmp")])
        try runTool("convert", [file("clean.jpg"), "-colorspace", "CMYK", file("cmyk.jpg")])
        try runTool("convert", [file("clean.jpg"), "-colorspace", "Gray", file("grey.png")])
        try runTool("convert", ["-delay", "10", file("clean.jpg"), "-negate", file("clean.jpg"), file("animated.gif")])
        // Transparency: a red disc on nothing, 16-bit so it needs work, and small so PNG fits.
        try runTool(
            "convert",
            [
                "-size", "400x300", "xc:none", "-fill", "red", "-draw", "circle 200,150 200,60", "-depth", "16",
                "PNG64:" + file("disc16.png"),
            ])
        try Self.writeOrientedJPEG(from: file("clean.jpg"), halves: dir, to: file("oriented.jpg"))
        try Self.writeBomb(from: file("clean.jpg"), to: file("bomb.jpg"))
        let clean = try Data(contentsOf: URL(fileURLWithPath: file("photo.jpg")))
        try clean.prefix(clean.count / 2).write(to: URL(fileURLWithPath: file("truncated.jpg")))
    }

    /// A 300×200 JPEG, red on the left half and blue on the right, whose EXIF says orientation 6
    /// (rotate 90° clockwise to view) and carries a GPS latitude.
    static func writeOrientedJPEG(from _: String, halves directory: URL, to path: String) throws {
        let halves = directory.appendingPathComponent("halves.jpg").path
        try runTool(
            "convert",
            ["-size", "150x200", "xc:#ff0000", "-size", "150x200", "xc:#0000ff", "+append", "-strip", halves])
        var jpeg = [UInt8](try Data(contentsOf: URL(fileURLWithPath: halves)))
        // TIFF structure, little endian: IFD0 with Orientation = 6 and a GPS IFD pointer; the GPS
        // IFD with GPSLatitudeRef = "N".
        var tiff: [UInt8] = [0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00]
        func u16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
        func u32(_ value: Int) -> [UInt8] { u16(value & 0xFFFF) + u16(value >> 16) }
        let gpsOffset = 8 + 2 + 2 * 12 + 4
        tiff += u16(2)
        tiff += u16(0x0112) + u16(3) + u32(1) + u16(6) + u16(0)
        tiff += u16(0x8825) + u16(4) + u32(1) + u32(gpsOffset)
        tiff += u32(0)
        tiff += u16(1)
        tiff += u16(0x0001) + u16(2) + u32(2) + [UInt8(ascii: "N"), 0, 0, 0]
        tiff += u32(0)
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        let segment: [UInt8] =
            [0xFF, 0xE1] + [UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)] + payload
        jpeg.insert(contentsOf: segment, at: 2)
        try Data(jpeg).write(to: URL(fileURLWithPath: path))
    }

    /// A small JPEG whose frame header claims 30000×30000 pixels.
    static func writeBomb(from source: String, to path: String) throws {
        var jpeg = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        guard
            let sof = (2..<jpeg.count - 9).first(where: {
                jpeg[$0] == 0xFF && (jpeg[$0 + 1] == 0xC0 || jpeg[$0 + 1] == 0xC2)
            })
        else { throw FixtureError("no SOF marker") }
        let side = 30000
        jpeg[sof + 5] = UInt8(side >> 8)
        jpeg[sof + 6] = UInt8(side & 0xFF)
        jpeg[sof + 7] = UInt8(side >> 8)
        jpeg[sof + 8] = UInt8(side & 0xFF)
        try Data(jpeg).write(to: URL(fileURLWithPath: path))
    }
}

/// What the tests check an output against, read back with libvips and libmagic.
struct OutputFacts {
    var mime: MIMEType
    var info: ImageInfo
    var bytes: [UInt8]

    init(bytes: [UInt8]) throws {
        self.bytes = bytes
        mime = try MIMEDetector().detect(bytes: bytes).mime
        info = try ImageInfo(bytes: bytes, mime: mime)
    }

    /// Sendable as an image: JPEG or PNG, 8-bit, sRGB or grey, no metadata.
    func expectConforming(under budget: Int, _ comment: Comment? = nil) {
        #expect(bytes.count <= budget, comment)
        #expect(["image/jpeg", "image/png"].contains(mime), comment)
        #expect(info.bitsPerSample == 8, comment)
        #expect(["srgb", "b-w"].contains(info.colourSpace), comment)
        #expect(!info.hasEXIF && !info.hasXMP, comment)
        #expect(info.orientation == 1, comment)
    }
}

func profile(maxBytes: Int? = nil, keepPNGForAlpha: Bool? = nil, maxLongEdge: Int? = nil) -> MediaProfile {
    var profile = MediaProfile.whatsappCloud
    if let maxBytes { profile.image.maxBytes = maxBytes }
    if let keepPNGForAlpha { profile.image.keepPNGForAlpha = keepPNGForAlpha }
    if let maxLongEdge { profile.image.maxLongEdge = maxLongEdge }
    return profile
}

@Suite("Image fitting")
struct ImageFitterTests {
    @Test(
        "the quality search never exceeds the budget, and fills it when it binds",
        arguments: [60_000, 150_000, 400_000, 900_000])
    func searchRespectsBudget(budget: Int) throws {
        let fixtures = try FitterFixtures.get()
        let fitter = ImageFitter(profile: profile(maxBytes: budget))
        let fitted = try fitter.fit(path: fixtures.path("photo.jpg"))
        let facts = try OutputFacts(bytes: fitted.bytes)
        facts.expectConforming(under: budget, "budget \(budget)")
        #expect(facts.mime == "image/jpeg")
        #expect(fitted.result.outputBytes == fitted.bytes.count)
        if fitted.result.quality != MediaProfile.whatsappCloud.image.jpegQuality.max {
            #expect(
                Double(fitted.bytes.count) > 0.8 * Double(budget),
                "budget \(budget): \(fitted.bytes.count) bytes at quality \(fitted.result.quality ?? -1), steps \(fitted.result.steps)"
            )
        }
    }

    @Test("even the lowest quality too large: the image shrinks until it fits")
    func shrinksWhenMinimumQualityIsTooLarge() throws {
        let fixtures = try FitterFixtures.get()
        let fitted = try ImageFitter(profile: profile(maxBytes: 40_000)).fit(path: fixtures.path("photo.jpg"))
        try OutputFacts(bytes: fitted.bytes).expectConforming(under: 40_000)
        #expect(fitted.result.outputWidth < 1600)
        #expect(fitted.result.steps.contains { $0.contains("shrink") })
    }

    @Test("a large image is resized to the profile's long edge")
    func resizesToLongEdge() throws {
        let fixtures = try FitterFixtures.get()
        let fitted = try ImageFitter(profile: profile(maxLongEdge: 800)).fit(path: fixtures.path("photo.jpg"))
        let facts = try OutputFacts(bytes: fitted.bytes)
        facts.expectConforming(under: 5_000_000)
        #expect(facts.info.width == 800 && facts.info.height == 600)
        #expect(fitted.result.steps.contains("resize 1600×1200 → 800×600"))
    }

    @Test("a conforming JPEG passes through byte for byte")
    func conformingPassesThrough() throws {
        let fixtures = try FitterFixtures.get()
        let input = try Data(contentsOf: URL(fileURLWithPath: fixtures.path("clean.jpg")))
        let fitted = try ImageFitter(profile: .whatsappCloud).fit(path: fixtures.path("clean.jpg"))
        #expect(fitted.bytes == [UInt8](input))
        #expect(fitted.result.passedThrough)
        #expect(fitted.result.encodes == 0)
    }

    @Test("EXIF orientation 6 is applied, then all EXIF (and its GPS) is dropped")
    func rotatesAndStrips() throws {
        let fixtures = try FitterFixtures.get()
        let input = try ImageInfo(path: fixtures.path("oriented.jpg"), mime: "image/jpeg")
        #expect(input.orientation == 6 && input.hasEXIF)
        let fitted = try ImageFitter(profile: .whatsappCloud).fit(path: fixtures.path("oriented.jpg"))
        let facts = try OutputFacts(bytes: fitted.bytes)
        facts.expectConforming(under: 5_000_000)
        #expect(facts.info.width == 200 && facts.info.height == 300)
        #expect(!fitted.bytes.containsSequence(Array("Exif".utf8)))
        // Rotated clockwise: the stored left half (red) is now on top.
        let output = try makeTemporaryDirectory().appendingPathComponent("upright.jpg")
        try Data(fitted.bytes).write(to: output)
        let top = try runTool("vips", ["getpoint", output.path, "100", "40"]).split(separator: " ").compactMap {
            Double($0)
        }
        let bottom = try runTool("vips", ["getpoint", output.path, "100", "260"]).split(separator: " ").compactMap {
            Double($0)
        }
        #expect(top.count == 3 && top[0] > 200 && top[2] < 60, "top pixel \(top)")
        #expect(bottom.count == 3 && bottom[2] > 200 && bottom[0] < 100, "bottom pixel \(bottom)")
    }

    @Test("a transparent PNG stays PNG, 8-bit with alpha, when it fits")
    func alphaStaysPNG() throws {
        let fixtures = try FitterFixtures.get()
        let fitted = try ImageFitter(profile: .whatsappCloud).fit(path: fixtures.path("disc16.png"))
        let facts = try OutputFacts(bytes: fitted.bytes)
        facts.expectConforming(under: 5_000_000)
        #expect(facts.mime == "image/png")
        #expect(facts.info.hasAlpha)
        #expect(fitted.result.steps.contains("convert 16-bit to 8-bit"))
    }

    @Test("without keep_png_for_alpha, transparency is flattened onto white in a JPEG")
    func alphaFlattenedOntoWhite() throws {
        let fixtures = try FitterFixtures.get()
        let fitted = try ImageFitter(profile: profile(keepPNGForAlpha: false)).fit(path: fixtures.path("disc16.png"))
        let facts = try OutputFacts(bytes: fitted.bytes)
        facts.expectConforming(under: 5_000_000)
        #expect(facts.mime == "image/jpeg")
        let output = try makeTemporaryDirectory().appendingPathComponent("flat.jpg")
        try Data(fitted.bytes).write(to: output)
        let corner = try runTool("vips", ["getpoint", output.path, "5", "5"]).split(separator: " ").compactMap {
            Double($0)
        }
        #expect(corner.allSatisfy { $0 > 245 }, "corner \(corner) should be white")
    }

    @Test(
        "other formats convert to conforming JPEG",
        arguments: [
            "photo.heic", "photo.webp", "animated.gif", "photo.tif", "photo16.tif", "photo.bmp", "cmyk.jpg", "grey.png",
        ])
    func converts(name: String) throws {
        let fixtures = try FitterFixtures.get()
        // A budget under the input's size, so even conforming inputs (grey.png) are re-encoded.
        let fitted = try ImageFitter(profile: profile(maxBytes: 250_000)).fit(path: fixtures.path(name))
        let facts = try OutputFacts(bytes: fitted.bytes)
        facts.expectConforming(under: 250_000, "\(name)")
        #expect(facts.mime == "image/jpeg", "\(name)")
        #expect(facts.info.width == 1600 && facts.info.height == 1200, "\(name)")
    }

    @Test("a 30000×30000 bomb is refused from its header, quickly")
    func refusesBomb() throws {
        let fixtures = try FitterFixtures.get()
        let started = ContinuousClock.now
        let error = #expect(throws: WabaMediaError.self) {
            try ImageFitter(profile: .whatsappCloud).fit(path: fixtures.path("bomb.jpg"))
        }
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(error?.code == .unsupportedInput)
        #expect(
            error?.message.contains("30000×30000") == true && error?.message.contains("refused before decoding") == true
        )
    }

    @Test("a truncated JPEG is refused with a clear error and leaves no output behind")
    func refusesTruncated() throws {
        let fixtures = try FitterFixtures.get()
        let folder = try makeTemporaryDirectory()
        let output = folder.appendingPathComponent("out.jpg").path
        let error = #expect(throws: WabaMediaError.self) {
            try ImageFitter(profile: profile(maxBytes: 100_000)).fit(
                path: fixtures.path("truncated.jpg"), writingTo: output)
        }
        #expect(error?.code == .unsupportedInput)
        #expect(error?.message.contains("damaged or truncated") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test("writing to a file: complete output under the limit, never over the input")
    func writesFiles() throws {
        let fixtures = try FitterFixtures.get()
        let folder = try makeTemporaryDirectory()
        let result = try ImageFitter(profile: profile(maxBytes: 200_000)).fit(path: fixtures.path("photo.heic")) {
            mime in
            folder.appendingPathComponent(mime == "image/png" ? "photo.png" : "photo.jpg").path
        }
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: result.output ?? "")))
        #expect(written.count == result.outputBytes)
        try OutputFacts(bytes: written).expectConforming(under: 200_000)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["photo.jpg"])
        #expect(throws: WabaMediaError.self) {
            try ImageFitter(profile: profile(maxBytes: 200_000)).fit(
                path: fixtures.path("photo.jpg"), writingTo: fixtures.path("photo.jpg"))
        }
    }

    @Test("the same image fits from memory as from a file")
    func fitsBuffers() throws {
        let fixtures = try FitterFixtures.get()
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixtures.path("photo.webp"))))
        let fitted = try ImageFitter(profile: profile(maxBytes: 300_000)).fit(bytes: bytes, name: "photo.webp")
        try OutputFacts(bytes: fitted.bytes).expectConforming(under: 300_000)
    }
}

extension Array where Element == UInt8 {
    func containsSequence(_ needle: [UInt8]) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { self[$0..<$0 + needle.count].elementsEqual(needle) }
    }
}
