import Foundation
import TestSupport
import Testing

@testable import WabaMedia

private func inspect(_ path: String, verification: ImageVerification = .structure) throws -> Inspection {
    try MediaInspector(detector: try MIMEDetector(), options: .init(imageVerification: verification))
        .inspect(path: path)
}

private func report(_ path: String, keepMetadata: Bool = false) throws -> ValidationReport {
    concluded(try inspect(path), as: .image, keepMetadata: keepMetadata)
}

private func write(_ bytes: [UInt8], _ name: String, in directory: URL) throws -> String {
    let path = directory.appendingPathComponent(name).path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

/// Fits with the options `send` uses for a file sent as it is when it conforms.
private func fit(_ path: String, keepMetadata: Bool = false) throws -> FittedImage {
    try ImageFitter(profile: .whatsappCloud, options: .init(passThroughConforming: true, keepMetadata: keepMetadata))
        .fit(path: path)
}

@Suite("PNGs with fewer than 8 bits per sample")
struct LowBitDepthTests {
    @Test(
        "the stored depth is read, called not-8-bit, and converted to an 8-bit PNG (grey to RGB, Meta's rule)",
        arguments: [
            ("grey-1.png", 1, "3"), ("grey-2.png", 2, "3"), ("palette-2.png", 2, "3"), ("palette-4.png", 4, "3"),
            ("palette-alpha-4.png", 4, "4"),
        ])
    func converted(name: String, depth: Int, bands: String) throws {
        let fixtures = try ImageMetadataFixtures.get()
        let before = try report(fixtures.path(name))
        #expect(before.inspection.image?.bitsPerSample == depth)
        #expect(before.findings.first { $0.code == .notEightBit }?.severity == .fixable)
        #expect(before.verdict == .fixable)

        let fitted = try fit(fixtures.path(name))
        #expect(fitted.result.outputMIME == "image/png")
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try write(fitted.bytes, "out.png", in: directory)
        #expect(try vipsheaderField("format", output).contains("VIPS_FORMAT_UCHAR"))
        #expect(try vipsheaderField("bands", output) == bands)
        #expect(try exiftoolTags(output)["PNG:BitDepth"] == "8")
        #expect(try largestPixelDifference(fixtures.path(name), output, in: directory) == 0)
        #expect(try report(output).verdict == .ok)
    }
}

@Suite("Metadata too large to read safely")
struct MetadataBombTests {
    @Test("a zTXt bomb is fixable by what it inflates to and removed without touching anything else")
    func ztxtBomb() throws {
        let fixtures = try ImageMetadataFixtures.get()
        let path = fixtures.path("ztxt-bomb.png")
        let before = try report(path)
        let finding = try #require(before.findings.first { $0.code == .oversizedMetadata })
        #expect(finding.severity == .fixable)
        #expect(finding.message.contains("zTXt"))
        #expect(before.verdict == .fixable)

        let fitted = try fit(path)
        #expect(fitted.result.passedThrough)
        #expect(fitted.bytes == (try fixtures.bytes("plain.png")))
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try write(fitted.bytes, "clean.png", in: directory)
        #expect(!(try fixtures.chunkTypes(output)).contains("zTXt"))
        #expect(try report(output).verdict == .ok)
    }

    @Test("JPEG APP segments over the limit together are dropped, the image kept")
    func appSegments() throws {
        let fixtures = try ImageMetadataFixtures.get()
        let before = try report(fixtures.path("app-bomb.jpg"))
        #expect(before.findings.first { $0.code == .oversizedMetadata }?.message.contains("APP1") == true)
        let fitted = try fit(fixtures.path("app-bomb.jpg"))
        #expect(fitted.bytes == (try fixtures.bytes("plain.jpg")))
    }
}

@Suite("Animated PNGs")
struct AnimatedPNGTests {
    @Test("an APNG is animated, and its first frame is sent as a still PNG")
    func firstFrame() throws {
        let fixtures = try ImageMetadataFixtures.get()
        let before = try report(fixtures.path("animated.png"))
        #expect(before.inspection.image?.pages == 3)
        #expect(before.inspection.image?.animationProblem == nil)
        #expect(before.findings.first { $0.code == .animated }?.severity == .fixable)

        let fitted = try fit(fixtures.path("animated.png"))
        #expect(fitted.result.outputMIME == "image/png")
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try write(fitted.bytes, "still.png", in: directory)
        let chunks = try fixtures.chunkTypes(output)
        #expect(!chunks.contains("acTL") && !chunks.contains("fcTL") && !chunks.contains("fdAT"))
        #expect(try vipsheaderField("width", output) == "96")
        #expect(try report(output).verdict == .ok)
    }

    @Test("a broken frame sequence is named and still gives a valid first frame")
    func brokenSequence() throws {
        let fixtures = try ImageMetadataFixtures.get()
        let before = try report(fixtures.path("animated-broken.png"))
        #expect(before.inspection.image?.animationProblem?.contains("sequence") == true)
        #expect(before.findings.first { $0.code == .animated }?.message.contains("broken") == true)
        #expect(before.verdict == .fixable)
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try write(try fit(fixtures.path("animated-broken.png")).bytes, "still.png", in: directory)
        #expect(try vipsheaderField("height", output) == "64")
        #expect(try largestPixelDifference(fixtures.path("animated.png"), output, in: directory) == 0)
    }

    @Test("an acTL without frame controls makes the PNG animated: its first frame goes as a plain PNG")
    func animationControlOnly() throws {
        let fixtures = try ImageMetadataFixtures.get()
        let before = try report(fixtures.path("actl-only.png"))
        #expect(before.inspection.image?.hasAnimationControl == true)
        let finding = try #require(before.findings.first { $0.code == .animated })
        #expect(finding.severity == .fixable && finding.message.contains("animation chunks"), "\(finding.message)")
        #expect(before.verdict == .fixable)

        let fitted = try fit(fixtures.path("actl-only.png"))
        #expect(fitted.result.outputMIME == "image/png")
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try write(fitted.bytes, "still.png", in: directory)
        #expect(!(try fixtures.chunkTypes(output)).contains("acTL"))
        #expect(try largestPixelDifference(fixtures.path("plain.png"), output, in: directory) == 0)
        #expect(try report(output).verdict == .ok)
    }

    @Test("an APNG whose image data is cut short is rejected with the reason")
    func cutShort() throws {
        let fixtures = try ImageMetadataFixtures.get()
        let before = try report(fixtures.path("animated-cut.png"))
        #expect(before.verdict == .rejected)
        #expect(before.findings.first { $0.code == .unreadable }?.message.contains("cut off") == true)
    }
}

@Suite("Locations never leave by default")
struct LocationTests {
    @Test("EXIF GPS in a JPEG: found, then removed with every other byte kept")
    func jpegGPS() throws {
        let fixtures = try ImageMetadataFixtures.get()
        let path = fixtures.path("gps.jpg")
        let before = try report(path)
        #expect(before.inspection.image?.location == ["EXIF GPS in the APP1 segment"])
        let finding = try #require(before.findings.first { $0.code == .location })
        #expect(finding.severity == .fixable && finding.message.contains("EXIF GPS in the APP1 segment"))
        #expect(before.verdict == .fixable)
        #expect(before.plannedSteps.first == "remove the location (EXIF GPS in the APP1 segment)")

        let input = try fixtures.bytes("gps.jpg")
        let scrubbed = try MetadataScrubber.scrub(input, mime: "image/jpeg")
        #expect(scrubbed.removed == ["GPS location (EXIF GPS in the APP1 segment)"])
        #expect(scrubbed.bytes.count == input.count)
        let changed = scrubbed.changedRanges.reduce(0) { $0 + $1.count }
        #expect(changed > 0 && changed < 1_000)
        for index in input.indices where !scrubbed.changedRanges.contains(where: { $0.contains(index) }) {
            guard input[index] == scrubbed.bytes[index] else {
                Issue.record("byte \(index) outside the removed part changed")
                break
            }
        }

        let fitted = try fit(path)
        #expect(fitted.result.passedThrough)
        #expect(fitted.bytes == scrubbed.bytes)
        #expect(fitted.result.steps.contains { $0.contains("GPS") })
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try write(fitted.bytes, "sent.jpg", in: directory)
        let tags = try exiftoolTags(output)
        #expect(!tags.keys.contains { $0.contains("GPS") }, "\(tags.keys.filter { $0.contains("GPS") })")
        #expect(tags["EXIF:Make"] == "TestCam" && tags["EXIF:Orientation"] == "1")
        #expect(tags["ICC_Profile:ProfileDescription"] != nil)
        #expect(try largestPixelDifference(path, output, in: directory) == 0)
        let after = try report(output)
        #expect(after.verdict == .ok)
        #expect(after.inspection.image?.location == [])
    }

    @Test("fill bytes before a marker are walked over and kept")
    func fillBytes() throws {
        let fixtures = try ImageMetadataFixtures.get()
        let original = try fixtures.bytes("gps.jpg")
        let filled = Array(original[0..<2]) + [0xFF, 0xFF, 0xFF] + Array(original[2...])
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = try write(filled, "filled.jpg", in: directory)
        #expect(try report(input).inspection.image?.location == ["EXIF GPS in the APP1 segment"])
        let scrubbed = try MetadataScrubber.scrub(filled, mime: "image/jpeg")
        #expect(scrubbed.bytes.count == filled.count && Array(scrubbed.bytes[0..<5]) == Array(filled[0..<5]))
        let output = try write(scrubbed.bytes, "scrubbed.jpg", in: directory)
        #expect(!(try exiftoolTags(output)).keys.contains { $0.contains("GPS") })
    }

    @Test("the orientation stays where the GPS directory went")
    func orientationKept() throws {
        let fixtures = try ImageMetadataFixtures.get()
        let scrubbed = try MetadataScrubber.scrub(try fixtures.bytes("gps-rotated.jpg"), mime: "image/jpeg")
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try write(scrubbed.bytes, "rotated.jpg", in: directory)
        let tags = try exiftoolTags(output)
        #expect(tags["EXIF:Orientation"] == "6" && tags["EXIF:Make"] == "TestCam")
        #expect(!tags.keys.contains { $0.contains("GPS") })
        #expect(try ImageInfo(path: output, mime: "image/jpeg").orientation == 6)
    }

    @Test("an XMP packet with GPS coordinates is dropped whole")
    func xmpGPS() throws {
        let fixtures = try ImageMetadataFixtures.get()
        #expect(
            try report(fixtures.path("xmp-gps.jpg")).inspection.image?.location == [
                "XMP GPS (exif:GPSLatitude, exif:GPSLongitude) in the APP1 XMP segment"
            ])
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try write(try fit(fixtures.path("xmp-gps.jpg")).bytes, "xmp.jpg", in: directory)
        #expect(!(try exiftoolTags(output)).keys.contains { $0.contains("GPS") })
    }

    @Test("a PNG's eXIf GPS is removed and its checksum rewritten")
    func pngGPS() throws {
        let fixtures = try ImageMetadataFixtures.get()
        let before = try report(fixtures.path("gps.png"))
        #expect(before.inspection.image?.location == ["EXIF GPS in the eXIf chunk"])
        #expect(before.verdict == .fixable)
        let fitted = try fit(fixtures.path("gps.png"))
        #expect(fitted.result.passedThrough)
        let structure = fitted.bytes.withUnsafeBytes { ImageStructure.verify($0, mime: "image/png") }
        #expect(structure == .intact)
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try write(fitted.bytes, "sent.png", in: directory)
        let tags = try exiftoolTags(output)
        #expect(!tags.keys.contains { $0.contains("GPS") })
        #expect(tags["EXIF:Make"] == "TestCam")
        #expect(try largestPixelDifference(fixtures.path("gps.png"), output, in: directory) == 0)
    }

    @Test("keepMetadata keeps the location: a warning, and the bytes as they are")
    func keepMetadata() throws {
        let fixtures = try ImageMetadataFixtures.get()
        let kept = try report(fixtures.path("gps.jpg"), keepMetadata: true)
        #expect(kept.findings.first { $0.code == .location }?.severity == .warning)
        #expect(kept.verdict == .ok)
        #expect(try fit(fixtures.path("gps.jpg"), keepMetadata: true).bytes == (try fixtures.bytes("gps.jpg")))
    }

    @Test("an MP4's loci box is found and removed by a rewrite that changes nothing else")
    func mp4Location() throws {
        let fixtures = try ImageMetadataFixtures.get()
        let path = fixtures.path("gps.mp4")
        let inspection = try inspect(path)
        #expect(inspection.av?.location == ["loci"])
        let before = MediaValidator(profile: .whatsappCloud).validate(inspection, as: .video)
        #expect(before.findings.first { $0.code == .location }?.severity == .fixable)
        let plan = ContainerRewriter.plan(for: try #require(inspection.av))
        #expect(plan.actions == [.dropLocation])
        #expect(
            ContainerRewriter.plan(for: try #require(inspection.av), options: .init(keepMetadata: true)).actions.isEmpty
        )

        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("sent.mp4").path
        let result = try ContainerRewriter.rewrite(input: path, output: output)
        #expect(result.actions == [.dropLocation])
        let after = try inspect(output)
        #expect(after.av?.location == [])
        #expect(after.av?.problems == [])
        #expect(MediaValidator(profile: .whatsappCloud).validate(after, as: .video).verdict == .ok)
        let tags = try exiftoolTags(output)
        #expect(!tags.keys.contains { $0.contains("GPS") || $0.contains("Location") })
        #expect(tags["QuickTime:Title"] == "Tour")
        try runTool("ffmpeg", ["-loglevel", "error", "-i", output, "-f", "null", "-"])
    }

    @Test("a MOV's ©xyz goes with the rest of its metadata when it is rewritten as MP4")
    func movXYZ() throws {
        let fixtures = try ImageMetadataFixtures.get()
        let inspection = try inspect(fixtures.path("xyz.mov"))
        #expect(inspection.av?.location == ["©xyz"])
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("sent.mp4").path
        let result = try ContainerRewriter.rewrite(input: fixtures.path("xyz.mov"), output: output)
        #expect(result.actions.contains(.dropLocation))
        #expect(try inspect(output).av?.location == [])
        #expect(!(try exiftoolTags(output)).keys.contains { $0.contains("GPS") })
    }

    @Test("a MOV's QuickTime location keys are removed, its other keys kept")
    func movLocationKeys() throws {
        let fixtures = try ImageMetadataFixtures.get()
        let path = fixtures.path("gps.mov")
        let inspection = try inspect(path)
        #expect(inspection.av?.location == ["com.apple.quicktime.location.ISO6709"])
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("sent.mov").path
        let options = ContainerRewriteOptions(convertQuickTime: false)
        #expect(ContainerRewriter.plan(for: try #require(inspection.av), options: options).actions == [.dropLocation])
        try ContainerRewriter.rewrite(input: path, output: output, options: options)
        #expect(try inspect(output).av?.location == [])
        let tags = try exiftoolTags(output)
        #expect(!tags.keys.contains { $0.contains("GPS") || $0.contains("Location") })
        #expect(tags["QuickTime:Make"] == "TestCam")
    }
}

@Suite("Formats libvips reads with its own loaders")
struct MoreInputTests {
    @Test(
        "PPM, PGM, PBM, PFM and JPEG 2000 are detected, read and converted",
        arguments: [
            ("photo.ppm", "image/x-portable-pixmap", 160), ("photo.pgm", "image/x-portable-greymap", 160),
            ("photo.pbm", "image/x-portable-bitmap", 64), ("photo.pfm", "image/x-portable-floatmap", 64),
            ("photo.jp2", "image/jp2", 160),
        ])
    func converted(name: String, mime: MIMEType, width: Int) throws {
        let fixtures = try ImageMetadataFixtures.get()
        let before = try report(fixtures.path(name))
        #expect(before.inspection.mime == mime)
        #expect(before.inspection.image?.width == width, "\(before.findings.map(\.message))")
        #expect(before.findings.first { $0.code == .needsConversion }?.severity == .fixable)
        #expect(before.verdict == .fixable)
        // Decoded from the bytes in memory too, as a preparation's check does (ppmload has no buffer loader).
        #expect(try inspect(fixtures.path(name), verification: .decode).imageDamage == nil)
        let fitted = try fit(fixtures.path(name))
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try write(
            fitted.bytes, "out.\(fitted.result.outputMIME == "image/png" ? "png" : "jpg")", in: directory)
        #expect(try vipsheaderField("format", output).contains("VIPS_FORMAT_UCHAR"))
        #expect(try vipsheaderField("width", output) == "\(width)")
        #expect(try report(output).verdict == .ok)
    }

    @Test("a PFM's samples run from 0 to 1 and come out as 0 to 255")
    func floatRange() throws {
        let fixtures = try ImageMetadataFixtures.get()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try write(try fit(fixtures.path("photo.pfm")).bytes, "out.jpg", in: directory)
        let mean = Double(try runTool("vips", ["avg", output]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(mean > 60 && mean < 200, "mean \(mean)")
    }

    @Test("formats only ImageMagick reads stay refused, with what to do", arguments: ["psd", "tga", "ico", "pcx"])
    func imageMagickOnly(format: String) throws {
        let fixtures = try ImageMetadataFixtures.get()
        let refused = try report(fixtures.path("magick.\(format)"))
        #expect(refused.verdict == .rejected)
        let finding = try #require(refused.findings.first { $0.code == .mimeMismatch })
        #expect(finding.hint.contains("ImageMagick") && finding.hint.contains("PNG"))
    }
}

/// The tags exiftool reads that record a position: GPS in any spelling, latitudes, longitudes, altitudes.
private func positionTags(_ path: String) throws -> [String] {
    try exiftoolTags(path).keys.filter { key in
        let name = key.lowercased()
        return ["gps", "latitude", "longitude", "altitude"].contains { name.contains($0) }
    }.sorted()
}

/// Whether `bytes` hold `word` as it is (ASCII).
private func mentions(_ bytes: [UInt8], _ word: String) -> Bool {
    let needle = Array(word.utf8)
    guard bytes.count >= needle.count else { return false }
    return (0...(bytes.count - needle.count)).contains { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }
}

/// `bytes` without the ranges the scrubber reports, in order: what it leaves when it only drops.
private func removing(_ ranges: [Range<Int>], from bytes: [UInt8]) -> [UInt8] {
    var kept: [UInt8] = []
    var start = 0
    for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
        kept += bytes[start..<range.lowerBound]
        start = range.upperBound
    }
    return kept + bytes[start...]
}

@Suite("Locations in PNG text chunks and vendor XMP")
struct HiddenLocationTests {
    @Test(
        "check names each location and where it is; the chunks holding them are dropped, every other byte kept",
        arguments: [
            ("raw-exif.png", ["EXIF GPS in the zTXt chunk 'Raw profile type exif'"], ["zTXt"]),
            ("raw-app1.png", ["EXIF GPS in the tEXt chunk 'Raw profile type APP1'"], ["tEXt"]),
            (
                "raw-xmp.png",
                [
                    "XMP GPS (exif:GPSLatitude, exif:GPSLongitude) in the zTXt chunk 'Raw profile type xmp'",
                    "XMP GPS (drone-dji:GpsLatitude, drone-dji:GpsLongitude, drone-dji:AbsoluteAltitude) "
                        + "in the iTXt chunk 'XML:com.adobe.xmp'",
                ],
                ["zTXt", "iTXt"]
            ),
        ])
    func textChunks(name: String, locations: [String], dropped: [String]) throws {
        let fixtures = try ImageMetadataFixtures.get()
        let path = fixtures.path(name)
        #expect(!(try positionTags(path)).isEmpty, "exiftool sees the location in the input")
        let before = try report(path)
        #expect(before.inspection.image?.location == locations)
        let finding = try #require(before.findings.first { $0.code == .location })
        #expect(finding.severity == .fixable && locations.allSatisfy { finding.message.contains($0) })
        #expect(before.verdict == .fixable)
        #expect(before.plannedSteps.first == "remove the location (\(locations[0]))")

        let input = try fixtures.bytes(name)
        let scrubbed = try MetadataScrubber.scrub(input, mime: "image/png")
        #expect(scrubbed.removed == locations.map { "GPS location (\($0))" })
        #expect(scrubbed.bytes == removing(scrubbed.changedRanges, from: input))
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try write(scrubbed.bytes, "sent.png", in: directory)
        var expectedChunks = try fixtures.chunkTypes(path)
        for type in dropped { expectedChunks.remove(at: try #require(expectedChunks.firstIndex(of: type))) }
        #expect(try fixtures.chunkTypes(output) == expectedChunks)
        #expect(try exiftoolTags(output)["PNG:Comment"] == "kept as it is")

        let fitted = try fit(path)
        #expect(fitted.result.passedThrough)
        #expect(fitted.bytes == scrubbed.bytes)
        #expect(try positionTags(output) == [])
        #expect(try largestPixelDifference(path, output, in: directory) == 0)
        let after = try report(output)
        #expect(after.verdict == .ok)
        #expect(after.inspection.image?.location == [])
    }

    @Test("ImageMagick's PNG of a GPS photo: the eXIf GPS and every exif:GPS text chunk go")
    func imageMagickTextChunks() throws {
        let fixtures = try ImageMetadataFixtures.get()
        let path = fixtures.path("magick-gps.png")
        let input = try fixtures.bytes("magick-gps.png")
        #expect(mentions(input, "exif:GPSLatitude"))
        let before = try report(path)
        #expect(before.inspection.image?.location.first == "EXIF GPS in the eXIf chunk")
        let text = try #require(before.inspection.image?.location.last)
        #expect(text.hasPrefix("GPS text chunks (") && text.contains("exif:GPSLatitude, "), "\(text)")
        #expect(before.findings.first { $0.code == .location }?.severity == .fixable)

        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try write(try MetadataScrubber.scrub(input, mime: "image/png").bytes, "sent.png", in: directory)
        let sent = try [UInt8](Data(contentsOf: URL(fileURLWithPath: output)))
        #expect(!mentions(sent, "GPS"))
        let left = try positionTags(output)
        #expect(left == [], "\(left)")
        #expect(mentions(sent, "exif:Make"))
        #expect(try exiftoolTags(output)["EXIF:Make"] == "TestCam")
        #expect(try report(output).inspection.image?.location == [])
    }

    @Test("a drone's JPEG: DJI's XMP GPS and XMP-exif GPSDateTime are found, and the XMP segment goes")
    func djiXMP() throws {
        let fixtures = try ImageMetadataFixtures.get()
        let path = fixtures.path("dji.jpg")
        #expect(try positionTags(path).contains { $0.contains("Gps") || $0.contains("GPS") })
        let before = try report(path)
        let location = try #require(before.inspection.image?.location.first)
        #expect(
            location == "XMP GPS (drone-dji:AbsoluteAltitude, drone-dji:RelativeAltitude, drone-dji:GpsLatitude, "
                + "drone-dji:GpsLongitude and 1 more) in the APP1 XMP segment")
        #expect(before.verdict == .fixable)

        let fitted = try fit(path)
        #expect(fitted.result.passedThrough)
        #expect(fitted.bytes == (try fixtures.bytes("plain.jpg")))
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try write(fitted.bytes, "sent.jpg", in: directory)
        #expect(try positionTags(output) == [])
        #expect(try report(output).verdict == .ok)
    }

    @Test("keepMetadata keeps text-chunk and vendor XMP locations: a warning, the bytes as they are")
    func keepMetadata() throws {
        let fixtures = try ImageMetadataFixtures.get()
        for name in ["raw-exif.png", "raw-xmp.png", "magick-gps.png", "dji.jpg"] {
            let kept = try report(fixtures.path(name), keepMetadata: true)
            #expect(kept.findings.first { $0.code == .location }?.severity == .warning, "\(name)")
            #expect(try fit(fixtures.path(name), keepMetadata: true).bytes == (try fixtures.bytes(name)), "\(name)")
        }
    }

    @Test("XMP location properties: attributes and elements in any namespace, not values or other names")
    func xmpProperties() {
        let packet = Array(
            """
            <rdf:Description exif:GPSAltitude="35" Camera:Latitude='1' tiff:Make="GPS:Cam" drone-dji:FlightYawDegree="1">
            <exif:GPSTimeStamp>x</exif:GPSTimeStamp><dc:description>near exif:GPSLatitude here</dc:description>
            </rdf:Description>
            """.utf8)
        #expect(XMPLocation.properties(packet[...]) == ["exif:GPSAltitude", "Camera:Latitude", "exif:GPSTimeStamp"])
    }
}

@Suite("Compressed metadata judged by what it inflates to")
struct InflatedMetadataTests {
    @Test(
        "zTXt and iCCP chunks inflating past 1 MiB are oversized and dropped byte-exactly",
        arguments: ["zTXt-2097152.png", "zTXt-67108864.png", "iCCP-2097152.png", "iCCP-67108864.png"])
    func bombs(name: String) throws {
        let fixtures = try ImageMetadataFixtures.get()
        let path = fixtures.path(name)
        let stored = try fixtures.bytes(name).count
        #expect(stored < 80_000, "the chunk stores \(stored) bytes, under the old stored-size limit")
        let before = try report(path)
        let finding = try #require(before.findings.first { $0.code == .oversizedMetadata })
        #expect(finding.severity == .fixable)
        #expect(finding.message.contains("\(name.prefix(4)) chunk") && finding.message.contains("inflating to over"))
        #expect(before.verdict == .fixable)

        let scrubbed = try MetadataScrubber.scrub(try fixtures.bytes(name), mime: "image/png")
        #expect(scrubbed.bytes == (try fixtures.bytes("plain.png")))
        let fitted = try fit(path)
        #expect(fitted.result.passedThrough)
        #expect(fitted.bytes == (try fixtures.bytes("plain.png")))
    }

    @Test("a zTXt chunk inflating to 512 kB is kept: ok, and sent as it is")
    func underTheBound() throws {
        let fixtures = try ImageMetadataFixtures.get()
        let before = try report(fixtures.path("zTXt-524288.png"))
        #expect(!before.findings.contains { $0.code == .oversizedMetadata })
        #expect(before.verdict == .ok)
        #expect(try fit(fixtures.path("zTXt-524288.png")).bytes == (try fixtures.bytes("zTXt-524288.png")))
    }

    @Test("inflation stops at its bound, keeping no more than it was asked to")
    func bounded() throws {
        let fixtures = try ImageMetadataFixtures.get()
        let bytes = try fixtures.bytes("zTXt-67108864.png")
        // The zTXt chunk follows IHDR: its stream starts after "Comment\0" and the method byte.
        let start = 8 + 25 + 8 + 9
        let length = Int(bytes[33]) << 24 | Int(bytes[34]) << 16 | Int(bytes[35]) << 8 | Int(bytes[36])
        let inflated = BoundedInflation.inflate(
            MemorySource(bytes), range: start..<(start + length - 9), limit: 1 << 20, keep: 1000)
        #expect(inflated.outcome == .pastLimit)
        #expect(inflated.inflatedBytes > 1 << 20 && inflated.inflatedBytes < 2 << 20)
        #expect(inflated.kept.count == 1000)
        let whole = BoundedInflation.inflate(
            MemorySource(bytes), range: start..<(start + length - 9), limit: 128 << 20, keep: 0)
        #expect(whole.outcome == .complete && whole.inflatedBytes == 64 << 20 && whole.kept.isEmpty)
        let cut = BoundedInflation.inflate(
            MemorySource(bytes), range: start..<(start + 100), limit: 128 << 20, keep: 0)
        #expect(cut.outcome == .damaged)
    }
}
