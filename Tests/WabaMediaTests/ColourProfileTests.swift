import Foundation
import TestSupport
import Testing

@testable import WabaMedia

/// One flat sRGB colour, (200, 60, 40), written untagged, tagged sRGB, and moved into Display P3
/// (libvips' own profile) and Adobe RGB (ghostscript's `a98.icc`, shipped by Debian's
/// ghostscript package) with the profile embedded.
private struct ProfiledFixtures: Sendable {
    let directory: URL
    static let colour: [Double] = [200, 60, 40]
    static let adobeRGB = "/usr/share/color/icc/ghostscript/a98.icc"
    static let ghostscriptSRGB = "/usr/share/color/icc/ghostscript/srgb.icc"

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func make() throws -> ProfiledFixtures {
        for profile in [adobeRGB, ghostscriptSRGB] where !FileManager.default.fileExists(atPath: profile) {
            throw FixtureError("\(profile) is missing: install Debian's ghostscript package")
        }
        let directory = try makeTemporaryDirectory("wamedia-icc")
        let fixtures = ProfiledFixtures(directory: directory)
        let file = fixtures.path
        try runTool("vips", ["black", file("black.v"), "64", "48", "--bands", "3"])
        try runTool("vips", ["linear", file("black.v"), file("flat.v"), "1 1 1", "200 60 40"])
        try runTool("vips", ["cast", file("flat.v"), file("u.v"), "uchar"])
        try runTool("vips", ["copy", file("u.v"), file("srgb.v"), "--interpretation", "srgb"])
        try runTool("vips", ["jpegsave", file("srgb.v"), file("untagged.jpg"), "--Q", "95"])
        try runTool("vips", ["icc_transform", file("srgb.v"), file("srgb-tagged.jpg[Q=95]"), "srgb"])
        try runTool("vips", ["icc_transform", file("srgb.v"), file("gs-srgb.jpg[Q=95]"), ghostscriptSRGB])
        try runTool("vips", ["icc_transform", file("srgb.v"), file("p3.jpg[Q=95]"), "p3"])
        try runTool("vips", ["icc_transform", file("srgb.v"), file("adobe.jpg[Q=95]"), adobeRGB])
        try runTool("vips", ["icc_transform", file("srgb.v"), file("p3.v"), "p3"])
        try runTool("vips", ["pngsave", file("p3.v"), file("p3.png")])
        return fixtures
    }
}

/// The pixel at (10, 10) as libvips decodes it, without colour management.
private func pixel(_ path: String) throws -> [Double] {
    try runTool("vips", ["getpoint", path, "10", "10"]).split(whereSeparator: \.isWhitespace).compactMap {
        Double($0)
    }
}

private func distance(_ first: [Double], _ second: [Double]) -> Double {
    zip(first, second).map { abs($0 - $1) }.max() ?? .infinity
}

private var profilesAllowed: MediaProfile {
    var profile = MediaProfile.whatsappCloud
    profile.image.requireSRGB = false
    return profile
}

@Suite("Colour profiles other than sRGB")
struct ColourProfileTests {
    @Test(
        "Display P3 and Adobe RGB are fixable, and come out with the sRGB colour in their own format",
        arguments: [
            ("p3.jpg", "image/jpeg", "P3"), ("adobe.jpg", "image/jpeg", "A98"), ("p3.png", "image/png", "P3"),
        ])
    func converted(name: String, outputMIME: String, profileName: String) throws {
        let fixtures = try ProfiledFixtures.make()
        defer { try? FileManager.default.removeItem(at: fixtures.directory) }
        let input = fixtures.path(name)
        // The test means something only if the stored values are not the sRGB ones.
        let inputPixel = try pixel(input)
        #expect(distance(inputPixel, ProfiledFixtures.colour) > 6, "\(inputPixel)")

        let before = try imageReport(input)
        let colourProfile = try #require(before.inspection.image?.colourProfile)
        #expect(!colourProfile.isSRGB && colourProfile.isForeignRGB)
        #expect(colourProfile.name?.contains(profileName) == true, "\(colourProfile)")
        let finding = try #require(before.findings.first { $0.code == .colourProfile })
        #expect(finding.severity == .fixable)
        #expect(finding.message.contains(profileName) && finding.message.contains("not sRGB"))
        #expect(finding.hint.contains("image.require_srgb"))
        #expect(before.verdict == .fixable)
        #expect(
            before.plannedSteps.contains { $0.hasPrefix("convert colours from") && $0.contains(profileName) },
            "\(before.plannedSteps)")

        let fitted = try fittedAsSent(input)
        #expect(!fitted.result.passedThrough)
        #expect(fitted.result.outputMIME == MIMEType(canonicalising: outputMIME))
        let output = fixtures.path("out-" + name)
        try Data(fitted.bytes).write(to: URL(fileURLWithPath: output))
        #expect(try vipsheaderField("interpretation", output).contains("VIPS_INTERPRETATION_sRGB"))
        #expect(try vipsheaderField("bands", output) == "3")
        let outputPixel = try pixel(output)
        #expect(distance(outputPixel, ProfiledFixtures.colour) <= 4, "\(outputPixel)")
        let after = try imageReport(output)
        #expect(after.inspection.image?.colourProfile.map(\.isSRGB) ?? true)
        #expect(!after.findings.contains { $0.code == .colourProfile })
        #expect(after.verdict == .ok)
    }

    @Test("with image.require_srgb: false, a Display P3 JPEG is a warning and goes out byte for byte")
    func relaxed() throws {
        let fixtures = try ProfiledFixtures.make()
        defer { try? FileManager.default.removeItem(at: fixtures.directory) }
        let input = fixtures.path("p3.jpg")
        let checked = try imageReport(input, profile: profilesAllowed)
        #expect(checked.findings.first { $0.code == .colourProfile }?.severity == .warning)
        #expect(checked.verdict == .ok)
        let fitted = try fittedAsSent(input, profile: profilesAllowed)
        #expect(fitted.result.passedThrough)
        #expect(Data(fitted.bytes) == (try Data(contentsOf: URL(fileURLWithPath: input))))
    }

    @Test(
        "an untagged JPEG and JPEGs tagged with libvips' or ghostscript's sRGB stay ok and unchanged",
        arguments: ["untagged.jpg", "srgb-tagged.jpg", "gs-srgb.jpg"])
    func sRGBControl(name: String) throws {
        let fixtures = try ProfiledFixtures.make()
        defer { try? FileManager.default.removeItem(at: fixtures.directory) }
        let input = fixtures.path(name)
        let checked = try imageReport(input)
        if name != "untagged.jpg" {
            #expect(
                checked.inspection.image?.colourProfile?.isSRGB == true,
                "\(String(describing: checked.inspection.image?.colourProfile))")
        }
        #expect(!checked.findings.contains { $0.code == .colourProfile })
        #expect(checked.verdict == .ok)
        #expect(checked.plan?.steps == ["keep unchanged"])
        let fitted = try fittedAsSent(input)
        #expect(fitted.result.passedThrough)
        #expect(Data(fitted.bytes) == (try Data(contentsOf: URL(fileURLWithPath: input))))
    }
}
