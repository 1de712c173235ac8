import Foundation
import TestSupport
import Testing

@testable import WabaMedia

/// JPEGs that shrink by less than 4×, where shrink-on-load cannot help: they are decoded at full
/// size and reduced with wamedia's vectorised Lanczos-3 horizontal pass.
struct ReduceFixtures: Sendable {
    let directory: URL

    /// Made once, on a thread of its own: the vips runs take a while, and waiting for them on the
    /// cooperative pool would stall every other test of the process meanwhile.
    static let shared = Task { try await offThePool { try ReduceFixtures() } }
    static func get() async throws -> ReduceFixtures { try await shared.value }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private init() throws {
        directory = try makeTemporaryDirectory("wamedia-reduce")
        let dir = directory
        func file(_ name: String) -> String { dir.appendingPathComponent(name).path }
        // 24 MP with soft structure in red and blue and a left-to-right ramp in green, so a
        // misplaced or mis-weighted sample shows.
        try runTool("vips", ["perlin", file("perlin.v"), "6000", "4000", "--cell-size", "256"])
        try runTool("vips", ["linear", file("perlin.v"), file("red.v"), "100", "128"])
        try runTool("vips", ["linear", file("perlin.v"), file("blue.v"), " -90", "128"])
        try runTool("vips", ["xyz", file("xy.v"), "6000", "4000"])
        try runTool("vips", ["extract_band", file("xy.v"), file("x.v"), "0"])
        try runTool("vips", ["linear", file("x.v"), file("green.v"), "0.04", "8"])
        try runTool("vips", ["bandjoin", "\(file("red.v")) \(file("green.v")) \(file("blue.v"))", file("rgb.v")])
        try runTool("vips", ["cast", file("rgb.v"), file("rgb8.v"), "uchar"])
        try runTool("vips", ["copy", file("rgb8.v"), file("photo.v"), "--interpretation", "srgb"])
        try runTool("vips", ["jpegsave", file("photo.v"), file("photo24.jpg"), "--Q", "92"])
        try runTool("vips", ["pngsave", file("photo.v"), file("photo24.png"), "--compression", "1"])
        try runTool("vips", ["colourspace", file("photo.v"), file("grey.v"), "b-w"])
        try runTool("vips", ["jpegsave", file("grey.v"), file("grey24.jpg"), "--Q", "92"])
        // Green on the left, red on the right, in ProPhoto (ROMM) RGB: right only through the profile.
        try runTool(
            "convert",
            [
                "-size", "600x800", "xc:rgb(40,180,60)", "-size", "600x800", "xc:rgb(200,60,40)", "+append", "-strip",
                file("halves.png"),
            ])
        try runTool(
            "vips",
            [
                "jpegsave", file("halves.png"), file("romm.jpg"), "--Q", "95", "--profile",
                "/usr/share/color/icc/ghostscript/rommrgb.icc",
            ])
        for name in ["perlin.v", "red.v", "blue.v", "xy.v", "x.v", "green.v", "rgb.v", "rgb8.v", "photo.v", "grey.v"] {
            try? FileManager.default.removeItem(atPath: file(name))
        }
    }
}

/// The mean and largest absolute difference between two images of the same size, from libvips.
private func difference(_ first: String, _ second: String, in folder: URL) throws -> (mean: Double, max: Double) {
    let difference = folder.appendingPathComponent("difference-\(UUID().uuidString).v").path
    let absolute = folder.appendingPathComponent("absolute-\(UUID().uuidString).v").path
    try runTool("vips", ["subtract", first, second, difference])
    try runTool("vips", ["abs", difference, absolute])
    let mean = Double(try runTool("vips", ["avg", absolute]).trimmingCharacters(in: .whitespacesAndNewlines))
    let max = Double(try runTool("vips", ["max", absolute]).trimmingCharacters(in: .whitespacesAndNewlines))
    return (mean ?? .infinity, max ?? .infinity)
}

private func pixel(_ path: String, _ x: Int, _ y: Int) throws -> [Double] {
    try runTool("vips", ["getpoint", path, "\(x)", "\(y)"]).split(separator: " ").compactMap {
        Double($0.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

@Suite("Image reduction under 4×")
struct ImageReduceTests {
    @Test("a JPEG reduced by less than 4× matches libvips' Lanczos-3 reduce within one level")
    func reduceMatchesLibvips() async throws {
        #expect(
            ProcessInfo.processInfo.environment["WAMEDIA_LIBVIPS_RESIZE"] == nil,
            "WAMEDIA_LIBVIPS_RESIZE sends every JPEG to libvips' own resize: this test would compare it with itself")
        let fixtures = try await ReduceFixtures.get()
        let folder = try makeTemporaryDirectory()
        // The thumbnail's own path for these: libvips' vertical reduce, then wamedia's vectorised
        // horizontal one, by 6000 / long edge. The reference runs libvips' reduce both ways.
        for (input, longEdge, shrink) in [
            ("photo24.jpg", 4096, "1.46484375"), ("photo24.jpg", 3072, "1.953125"), ("photo24.jpg", 1875, "3.2"),
            ("grey24.jpg", 4096, "1.46484375"),
        ] {
            let reduced = try VipsImage.thumbnail(
                path: fixtures.path(input), owner: nil, loader: "jpegload", longEdge: longEdge, exportSRGB: false
            ).copyToMemory()
            #expect(reduced.shape.bands == (input.hasPrefix("grey") ? 1 : 3))
            let ours = folder.appendingPathComponent("ours-\(input)-\(shrink).png").path
            try Data(try reduced.png(compression: 1)).write(to: URL(fileURLWithPath: ours))
            let vertical = folder.appendingPathComponent("vertical-\(input)-\(shrink).v").path
            let reference = folder.appendingPathComponent("reference-\(input)-\(shrink).v").path
            try runTool("vips", ["reducev", fixtures.path(input), vertical, shrink, "--kernel", "lanczos3"])
            try runTool("vips", ["reduceh", vertical, reference, shrink, "--kernel", "lanczos3"])
            for field in ["width", "height"] {
                #expect(
                    try runTool("vipsheader", ["-f", field, ours]) == runTool("vipsheader", ["-f", field, reference]))
            }
            let (mean, max) = try difference(ours, reference, in: folder)
            #expect(max <= 1 && mean < 0.1, "\(input) by \(shrink): mean \(mean), max \(max)")
        }
    }

    @Test(
        "a flat colour keeps exactly its level through the reduction, edges included",
        arguments: [1024, 768, 469])
    func flatStaysFlat(longEdge: Int) throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        func file(_ name: String) -> String { folder.appendingPathComponent(name).path }
        try runTool("vips", ["black", file("black.v"), "1500", "1000", "--bands", "3"])
        try runTool("vips", ["linear", file("black.v"), file("flat.v"), "1 1 1", "200 37 90"])
        try runTool("vips", ["cast", file("flat.v"), file("flat8.v"), "uchar"])
        try runTool("vips", ["copy", file("flat8.v"), file("srgb.v"), "--interpretation", "srgb"])
        try runTool("vips", ["jpegsave", file("srgb.v"), file("flat.jpg"), "--Q", "95"])
        let level = try pixel(file("flat.jpg"), 750, 500)
        let reduced = try VipsImage.thumbnail(
            path: file("flat.jpg"), owner: nil, loader: "jpegload", longEdge: longEdge, exportSRGB: false
        ).copyToMemory()
        #expect(reduced.shape.longEdge == longEdge)
        try Data(try reduced.png(compression: 1)).write(to: URL(fileURLWithPath: file("reduced.png")))
        for band in 0..<3 {
            try runTool("vips", ["extract_band", file("reduced.png"), file("band.v"), "\(band)"])
            for extreme in ["min", "max"] {
                let value = Double(
                    try runTool("vips", [extreme, file("band.v")]).trimmingCharacters(in: .whitespacesAndNewlines))
                #expect(value == level[band], "band \(band) \(extreme) \(String(describing: value)), level \(level)")
            }
        }
    }

    @Test("a 6000×4000 JPEG comes out 4096×2731, under budget, close to libvips' own downscale")
    func exactDimensions() async throws {
        let fixtures = try await ReduceFixtures.get()
        let folder = try makeTemporaryDirectory()
        let budget = 1_500_000
        let fitted = try ImageFitter(profile: profile(maxBytes: budget)).fit(path: fixtures.path("photo24.jpg"))
        let facts = try OutputFacts(bytes: fitted.bytes)
        facts.expectConforming(under: budget)
        #expect(facts.info.width == 4096 && facts.info.height == 2731)
        #expect(fitted.result.outputWidth == 4096 && fitted.result.outputHeight == 2731)
        let output = folder.appendingPathComponent("fitted.jpg").path
        try Data(fitted.bytes).write(to: URL(fileURLWithPath: output))
        let reference = folder.appendingPathComponent("reference.v").path
        try runTool("vipsthumbnail", [fixtures.path("photo24.jpg"), "--size", "4096x4096", "-o", reference])
        let (mean, _) = try difference(output, reference, in: folder)
        #expect(mean < 2, "mean difference from vipsthumbnail's downscale: \(mean)")
        // From memory, through libvips' buffer loader: the same size.
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixtures.path("photo24.jpg"))))
        let fromMemory = try ImageFitter(profile: profile(maxBytes: budget)).fit(bytes: bytes, name: "photo24.jpg")
        #expect(fromMemory.result.outputWidth == 4096 && fromMemory.result.outputHeight == 2731)
        #expect(fromMemory.bytes.count <= budget)
    }

    @Test("EXIF orientation 6 is applied after the reduce, and no EXIF is left")
    func rotatesReduced() throws {
        let fixtures = try FitterFixtures.get()
        let fitted = try ImageFitter(profile: profile(maxLongEdge: 200)).fit(path: fixtures.path("oriented.jpg"))
        let facts = try OutputFacts(bytes: fitted.bytes)
        facts.expectConforming(under: 5_000_000)
        #expect(facts.info.width == 133 && facts.info.height == 200)
        #expect(!fitted.bytes.containsSequence(Array("Exif".utf8)))
        let output = try makeTemporaryDirectory().appendingPathComponent("upright.jpg").path
        try Data(fitted.bytes).write(to: URL(fileURLWithPath: output))
        // Rotated clockwise: the stored left half (red) is now on top.
        let top = try pixel(output, 66, 30)
        let bottom = try pixel(output, 66, 170)
        #expect(top.count == 3 && top[0] > 200 && top[2] < 60, "top pixel \(top)")
        #expect(bottom.count == 3 && bottom[2] > 200 && bottom[0] < 100, "bottom pixel \(bottom)")
    }

    @Test("an ICC-tagged JPEG is converted to sRGB through its profile")
    func convertsThroughProfile() async throws {
        let fixtures = try await ReduceFixtures.get()
        let folder = try makeTemporaryDirectory()
        let fitted = try ImageFitter(profile: profile(maxLongEdge: 800)).fit(path: fixtures.path("romm.jpg"))
        let facts = try OutputFacts(bytes: fitted.bytes)
        facts.expectConforming(under: 5_000_000)
        #expect(facts.info.width == 800 && facts.info.height == 533)
        #expect(!facts.info.hasICCProfile)
        let output = folder.appendingPathComponent("srgb.jpg").path
        try Data(fitted.bytes).write(to: URL(fileURLWithPath: output))
        let reference = folder.appendingPathComponent("reference.v").path
        try runTool("vips", ["icc_transform", fixtures.path("romm.jpg"), reference, "srgb", "--embedded"])
        for (outputX, inputX) in [(200, 300), (600, 900)] {
            let got = try pixel(output, outputX, 266)
            let expected = try pixel(reference, inputX, 400)
            let raw = try pixel(fixtures.path("romm.jpg"), inputX, 400)
            #expect(got.count == 3 && expected.count == 3 && raw.count == 3)
            guard got.count == 3, expected.count == 3, raw.count == 3 else { continue }
            #expect(zip(got, expected).allSatisfy { abs($0 - $1) <= 6 }, "got \(got), expected \(expected)")
            #expect(zip(expected, raw).contains { abs($0 - $1) > 20 }, "the profile changes \(raw) to \(expected)")
        }
    }

    @Test("a preview goes through the colour profile when the image has one, and only then")
    func previewColourManagedWhenTagged() async throws {
        let fixtures = try await ReduceFixtures.get()
        let folder = try makeTemporaryDirectory()
        try Vips.start()
        let untagged = ImageSource.file(try FileSource(path: fixtures.path("photo24.png")))
        #expect(try !untagged.header(mime: "image/png").needsColourManagement)
        let tagged = ImageSource.file(try FileSource(path: fixtures.path("romm.jpg")))
        let info = try tagged.header(mime: "image/jpeg")
        #expect(info.needsColourManagement)
        let preview = try tagged.uprightSRGB8(mime: "image/jpeg", info: info, longEdge: 160)
        let output = folder.appendingPathComponent("preview.jpg").path
        try Data(try preview.jpeg(quality: 95)).write(to: URL(fileURLWithPath: output))
        let reference = folder.appendingPathComponent("reference.v").path
        try runTool("vips", ["icc_transform", fixtures.path("romm.jpg"), reference, "srgb", "--embedded"])
        // 1200×800 becomes 160×107: the middle of each half, in both.
        for (previewX, inputX) in [(40, 300), (120, 900)] {
            let got = try pixel(output, previewX, 53)
            let expected = try pixel(reference, inputX, 400)
            #expect(got.count == 3 && expected.count == 3)
            guard got.count == 3, expected.count == 3 else { continue }
            #expect(zip(got, expected).allSatisfy { abs($0 - $1) <= 6 }, "got \(got), expected \(expected)")
        }
    }

    @Test("a CMYK JPEG that needs a reduction still comes out sRGB with its colours")
    func cmykReduced() throws {
        let fixtures = try FitterFixtures.get()
        let fitted = try ImageFitter(profile: profile(maxLongEdge: 1000)).fit(path: fixtures.path("cmyk.jpg"))
        let facts = try OutputFacts(bytes: fitted.bytes)
        facts.expectConforming(under: 5_000_000)
        #expect(facts.info.width == 1000 && facts.info.height == 750)
        #expect(facts.info.colourSpace == "srgb" && facts.info.bands == 3)
    }

    @Test("a truncated JPEG that needs a reduction is refused with a clear error, and no output")
    func refusesTruncatedReduced() throws {
        let fixtures = try FitterFixtures.get()
        let folder = try makeTemporaryDirectory()
        let output = folder.appendingPathComponent("out.jpg").path
        let error = #expect(throws: WabaMediaError.self) {
            try ImageFitter(profile: profile(maxLongEdge: 1000)).fit(
                path: fixtures.path("truncated.jpg"), writingTo: output)
        }
        #expect(error?.code == .unsupportedInput)
        #expect(error?.message.contains("damaged or truncated") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixtures.path("truncated.jpg"))))
        #expect(throws: WabaMediaError.self) {
            try ImageFitter(profile: profile(maxLongEdge: 1000)).fit(bytes: bytes, name: "truncated.jpg")
        }
    }
}
