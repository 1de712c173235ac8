import Foundation
import TestSupport
import Testing

@testable import WabaMedia

@Suite("Image fitting: streaming encode and metadata")
struct ImageStreamingTests {
    /// The fixture photo opened lazily at full size, as the fitter opens its inputs.
    private func openedPhoto() throws -> VipsImage {
        try Vips.start()
        let fixtures = try FitterFixtures.get()
        return try ImageSource.file(FileSource(path: fixtures.path("photo.jpg"))).thumbnail(
            mime: "image/jpeg", longEdge: 1600, exportSRGB: false)
    }

    @Test("a capped JPEG encode gives the whole output within the cap, and stops past it")
    func cappedEncode() throws {
        let whole = try openedPhoto().jpeg(quality: 90)
        #expect(whole.count > 10_000)

        guard case .complete(let bytes?, let size) = try openedPhoto().jpeg(quality: 90, cap: whole.count) else {
            Issue.record("an encode exactly at its own size must complete")
            return
        }
        #expect(bytes == whole && size == whole.count)

        let cap = whole.count / 3
        guard case .overCap(let written) = try openedPhoto().jpeg(quality: 90, cap: cap) else {
            Issue.record("an encode three times the cap must stop")
            return
        }
        #expect(written <= cap)
    }

    @Test("a capped encode to a file writes exactly the bytes it reports")
    func cappedEncodeToFile() throws {
        let directory = try makeTemporaryDirectory("wamedia-capped")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("out.jpg").path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        let output = try openedPhoto().jpeg(quality: 85, cap: 50_000_000, fileDescriptor: descriptor)
        guard case .complete(nil, let size) = output else {
            Issue.record("expected a complete encode written to the file, got \(output)")
            return
        }
        let written = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(written.count == size)
        #expect([UInt8](written) == (try openedPhoto().jpeg(quality: 85)))
    }

    @Test("when the one-pass encode passes the budget, the fitter searches and still fits")
    func streamingFallsBackToSearch() throws {
        // Coarse colour noise: a lossless source whose JPEG is far larger than the third of a
        // byte per pixel the fitter expects, so its one-pass encode stops at the budget.
        let directory = try makeTemporaryDirectory("wamedia-noise")
        defer { try? FileManager.default.removeItem(at: directory) }
        func file(_ name: String) -> String { directory.appendingPathComponent(name).path }
        try runTool("vips", ["gaussnoise", file("n.v"), "1200", "900", "--sigma", "70", "--mean", "128"])
        try runTool("vips", ["gaussnoise", file("m.v"), "1200", "900", "--sigma", "70", "--mean", "128"])
        try runTool("vips", ["bandjoin", "\(file("n.v")) \(file("m.v")) \(file("n.v"))", file("rgb.v")])
        try runTool("vips", ["cast", file("rgb.v"), file("rgb8.v"), "uchar"])
        try runTool("vips", ["copy", file("rgb8.v"), file("noise.v"), "--interpretation", "srgb"])
        try runTool("vips", ["pngsave", file("noise.v"), file("noise.png")])

        let budget = 400_000  // over 1200 × 900 × 0.35 bytes: the fitter streams first
        let fitted = try ImageFitter(profile: profile(maxBytes: budget)).fit(path: file("noise.png"))
        try OutputFacts(bytes: fitted.bytes).expectConforming(under: budget)
        #expect(fitted.result.steps.contains("quality 90 gives more than 400.0 kB"), "\(fitted.result.steps)")
        #expect(fitted.result.encodes >= 2)
    }

    @Test("stripMetadata decides whether EXIF alone makes a conforming JPEG be re-encoded")
    func stripMetadataOption() throws {
        let fixtures = try FitterFixtures.get()
        let input = fixtures.path("photo.jpg")
        let header = try ImageInfo(path: input, mime: "image/jpeg")
        #expect(header.hasEXIF)
        // Conforming apart from its EXIF under a roomy budget.
        let rules = profile(maxBytes: 20_000_000)

        let kept = try ImageFitter(profile: rules, options: .init(passThroughConforming: true, stripMetadata: false))
            .fit(path: input)
        #expect(kept.result.passedThrough)
        #expect(kept.bytes == [UInt8](try Data(contentsOf: URL(fileURLWithPath: input))))

        let stripped = try ImageFitter(profile: rules, options: .init(passThroughConforming: true, stripMetadata: true))
            .fit(path: input)
        #expect(!stripped.result.passedThrough)
        try OutputFacts(bytes: stripped.bytes).expectConforming(under: 20_000_000)
    }
}
