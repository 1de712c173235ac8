import Foundation
import TestSupport
import Testing

@testable import WabaMedia

/// Greyscale images made with libvips: a noisy picture, as JPEG and PNG, and as a PNG with a
/// graded alpha band (every pixel partly transparent).
private struct GreyFixtures: Sendable {
    let directory: URL

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func make() throws -> GreyFixtures {
        let directory = try makeTemporaryDirectory("wamedia-grey")
        let fixtures = GreyFixtures(directory: directory)
        let file = fixtures.path
        try runTool("vips", ["gaussnoise", file("noise.v"), "96", "64", "--mean", "128", "--sigma", "40"])
        try runTool("vips", ["cast", file("noise.v"), file("u.v"), "uchar"])
        try runTool("vips", ["copy", file("u.v"), file("grey.v"), "--interpretation", "b-w"])
        try runTool("vips", ["jpegsave", file("grey.v"), file("grey.jpg"), "--Q", "90"])
        try runTool("vips", ["pngsave", file("grey.v"), file("grey.png")])
        // Alpha from 20 to 200: transparency that matters, so the output must keep it.
        try runTool("vips", ["xyz", file("xy.v"), "96", "64"])
        try runTool("vips", ["extract_band", file("xy.v"), file("x.v"), "0"])
        try runTool("vips", ["linear", file("x.v"), file("ax.v"), "1.9", "20"])
        try runTool("vips", ["cast", file("ax.v"), file("alpha.v"), "uchar"])
        try runTool("vips", ["bandjoin", "\(file("grey.v")) \(file("alpha.v"))", file("ga.v")])
        try runTool("vips", ["copy", file("ga.v"), file("grey-alpha.v"), "--interpretation", "b-w"])
        try runTool("vips", ["pngsave", file("grey-alpha.v"), file("grey-alpha.png")])
        // 16-bit grey: each 8-bit value v stored as v × 257, so its top 8 bits are v again.
        try runTool("vips", ["linear", file("u.v"), file("wide.v"), "257", "0"])
        try runTool("vips", ["cast", file("wide.v"), file("u16.v"), "ushort"])
        try runTool("vips", ["copy", file("u16.v"), file("grey16.v"), "--interpretation", "grey16"])
        try runTool("vips", ["pngsave", file("grey16.v"), file("grey16.png")])
        return fixtures
    }
}

private var greyAllowed: MediaProfile {
    var profile = MediaProfile.whatsappCloud
    profile.image.requireRGB = false
    return profile
}

@Suite("Greyscale images follow Meta's \"8-bit, RGB or RGBA\"")
struct ColourModelTests {
    @Test(
        "greyscale and grey+alpha are fixable, and come out sRGB with 3 or 4 bands in their own format",
        arguments: [
            ("grey.jpg", "image/jpeg", "3", "convert greyscale to sRGB RGB"),
            ("grey.png", "image/png", "3", "convert greyscale to sRGB RGB"),
            ("grey-alpha.png", "image/png", "4", "convert greyscale to sRGB RGBA"),
        ])
    func converted(name: String, outputMIME: String, bands: String, step: String) throws {
        let fixtures = try GreyFixtures.make()
        defer { try? FileManager.default.removeItem(at: fixtures.directory) }
        let input = fixtures.path(name)

        let before = try imageReport(input)
        let finding = try #require(before.findings.first { $0.code == .colourModel })
        #expect(finding.severity == .fixable)
        #expect(finding.message.contains("\"Images must be 8-bit, RGB or RGBA\""))
        #expect(finding.hint.contains("image.require_rgb"))
        #expect(before.verdict == .fixable)
        #expect(before.plannedSteps.contains(step), "\(before.plannedSteps)")

        let fitted = try fittedAsSent(input)
        #expect(!fitted.result.passedThrough)
        #expect(fitted.result.outputMIME == MIMEType(canonicalising: outputMIME))
        let output = fixtures.path("out-" + name)
        try Data(fitted.bytes).write(to: URL(fileURLWithPath: output))
        #expect(try vipsheaderField("interpretation", output).contains("VIPS_INTERPRETATION_sRGB"))
        #expect(try vipsheaderField("bands", output) == bands)
        #expect(try vipsheaderField("format", output).contains("VIPS_FORMAT_UCHAR"))
        if outputMIME == "image/png" {
            // Lossless: every grey value is each of R, G and B, and the alpha is the input's.
            try runTool("vips", ["extract_band", output, fixtures.path("rgb.v"), "0", "--n", "3"])
            try runTool("vips", ["extract_band", input, fixtures.path("y.v"), "0"])
            #expect(
                try largestPixelDifference(fixtures.path("y.v"), fixtures.path("rgb.v"), in: fixtures.directory) == 0)
            if bands == "4" {
                try runTool("vips", ["extract_band", output, fixtures.path("out-alpha.v"), "3"])
                try runTool("vips", ["extract_band", input, fixtures.path("in-alpha.v"), "1"])
                #expect(
                    try largestPixelDifference(
                        fixtures.path("in-alpha.v"), fixtures.path("out-alpha.v"), in: fixtures.directory) == 0)
            }
        }
        let after = try imageReport(output)
        #expect(!after.findings.contains { $0.code == .colourModel })
        #expect(after.verdict == .ok)
    }

    @Test("a 16-bit greyscale PNG is not-8-bit and colour-model, and comes out an 8-bit RGB PNG of the same values")
    func sixteenBit() throws {
        let fixtures = try GreyFixtures.make()
        defer { try? FileManager.default.removeItem(at: fixtures.directory) }
        let input = fixtures.path("grey16.png")
        let before = try imageReport(input)
        #expect(before.findings.first { $0.code == .notEightBit }?.severity == .fixable)
        #expect(before.findings.first { $0.code == .colourModel }?.severity == .fixable)
        let fitted = try fittedAsSent(input)
        #expect(fitted.result.outputMIME == .png)
        let output = fixtures.path("out-grey16.png")
        try Data(fitted.bytes).write(to: URL(fileURLWithPath: output))
        #expect(try vipsheaderField("format", output).contains("VIPS_FORMAT_UCHAR"))
        #expect(try vipsheaderField("bands", output) == "3")
        #expect(try largestPixelDifference(fixtures.path("grey.png"), output, in: fixtures.directory) == 0)
        #expect(try imageReport(output).verdict == .ok)
    }

    @Test("with image.require_rgb: false, greyscale is a warning and goes out byte for byte")
    func relaxed() throws {
        let fixtures = try GreyFixtures.make()
        defer { try? FileManager.default.removeItem(at: fixtures.directory) }
        for name in ["grey.jpg", "grey.png", "grey-alpha.png"] {
            let checked = try imageReport(fixtures.path(name), profile: greyAllowed)
            #expect(checked.findings.first { $0.code == .colourModel }?.severity == .warning, "\(name)")
            #expect(checked.verdict == .ok, "\(name)")
            let fitted = try fittedAsSent(fixtures.path(name), profile: greyAllowed)
            #expect(fitted.result.passedThrough, "\(name)")
            #expect(Data(fitted.bytes) == (try Data(contentsOf: URL(fileURLWithPath: fixtures.path(name)))), "\(name)")
        }
    }

    @Test("the bundled profiles require RGB, and a profile without the key does too")
    func profileKey() throws {
        #expect(MediaProfile.whatsappCloud.image.requireRGB)
        let yaml = try #require(BundledProfiles.sources["whatsapp-cloud"])
        #expect(yaml.contains("require_rgb: true"))
        let withoutKey = yaml.replacingOccurrences(of: "require_rgb: true", with: "")
        #expect(try MediaProfile(yaml: withoutKey, origin: "test.yaml").image.requireRGB)
        let relaxed = yaml.replacingOccurrences(of: "require_rgb: true", with: "require_rgb: false")
        #expect(try !MediaProfile(yaml: relaxed, origin: "test.yaml").image.requireRGB)
    }
}
