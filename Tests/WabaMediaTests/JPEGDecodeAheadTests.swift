import Foundation
import TestSupport
import Testing

@testable import WabaMedia

#if canImport(Glibc)
    import Glibc
#endif

/// JPEGs a file thumbnail decodes on a thread of its own, ahead of the reduction (8-bit grey or
/// RGB, reduced by less than 4×), and damaged ones, made once.
private struct AheadFixtures: Sendable {
    let directory: URL

    /// Made on a thread of its own: the vips runs would stall the cooperative pool meanwhile.
    static let shared = Task { try await offThePool { try AheadFixtures() } }
    static func get() async throws -> AheadFixtures { try await shared.value }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name)))) }

    /// Whole images: RGB and grey, baseline and progressive, 4:2:0, with an sRGB profile, turned by
    /// their EXIF orientation, and one far taller than the decoder's ring of rows (about 2 MB).
    static let whole = [
        "baseline.jpg", "progressive.jpg", "subsampled.jpg", "profiled.jpg", "grey.jpg", "grey-progressive.jpg",
        "rotated.jpg", "grey-rotated.jpg", "tall.jpg",
    ]

    private init() throws {
        directory = try makeTemporaryDirectory("wamedia-ahead")
        let dir = directory
        func file(_ name: String) -> String { dir.appendingPathComponent(name).path }
        // Soft structure plus fine noise in each band, so a misplaced or mis-decoded row shows.
        func photo(_ name: String, width: Int, height: Int) throws {
            try runTool("vips", ["perlin", file("p.v"), "\(width)", "\(height)", "--cell-size", "96"])
            try runTool("vips", ["linear", file("p.v"), file("r.v"), "100", "128"])
            try runTool("vips", ["linear", file("p.v"), file("b.v"), " -90", "128"])
            try runTool("vips", ["gaussnoise", file("n.v"), "\(width)", "\(height)", "--sigma", "12"])
            try runTool("vips", ["add", file("r.v"), file("n.v"), file("g.v")])
            try runTool("vips", ["bandjoin", "\(file("r.v")) \(file("g.v")) \(file("b.v"))", file("f.v")])
            try runTool("vips", ["cast", file("f.v"), file("u.v"), "uchar"])
            try runTool("vips", ["copy", file("u.v"), file(name), "--interpretation", "srgb"])
        }
        try photo("photo.v", width: 1600, height: 1200)
        try photo("tall.v", width: 600, height: 4000)
        try runTool("vips", ["jpegsave", file("photo.v"), file("baseline.jpg"), "--Q", "90"])
        try runTool("vips", ["jpegsave", file("photo.v"), file("progressive.jpg"), "--Q", "90", "--interlace"])
        try runTool("vips", ["jpegsave", file("photo.v"), file("subsampled.jpg"), "--subsample-mode", "on"])
        try runTool("vips", ["jpegsave", file("photo.v"), file("profiled.jpg"), "--profile", "srgb"])
        try runTool("vips", ["jpegsave", file("tall.v"), file("tall.jpg"), "--Q", "90"])
        try runTool("vips", ["colourspace", file("photo.v"), file("grey.v"), "b-w"])
        try runTool("vips", ["jpegsave", file("grey.v"), file("grey.jpg"), "--Q", "90"])
        try runTool("vips", ["jpegsave", file("grey.v"), file("grey-progressive.jpg"), "--interlace"])
        try FileManager.default.copyItem(atPath: file("baseline.jpg"), toPath: file("rotated.jpg"))
        try FileManager.default.copyItem(atPath: file("grey-progressive.jpg"), toPath: file("grey-rotated.jpg"))
        try runTool("exiftool", ["-q", "-q", "-overwrite_original", "-n", "-Orientation=6", file("rotated.jpg")])
        try runTool("exiftool", ["-q", "-q", "-overwrite_original", "-n", "-Orientation=8", file("grey-rotated.jpg")])
        try runTool(
            "vips", ["jpegsave", file("photo.v"), file("restarts.jpg"), "--Q", "90", "--restart-interval", "1"])
        for name in ["p.v", "r.v", "b.v", "n.v", "g.v", "f.v", "u.v", "photo.v", "tall.v", "grey.v"] {
            try? FileManager.default.removeItem(atPath: file(name))
        }

        // Damaged: cut off (a progressive file fails as decompression starts, a baseline one at the
        // row where its data ends), cut off with an end marker put back (warnings only: it
        // decodes), and entropy data corrupted in many restart intervals (the hundredth warning is
        // an error) without touching a marker, so the structure stays whole.
        let progressive = try bytes("progressive.jpg")
        let baseline = try bytes("baseline.jpg")
        try Data(progressive.prefix(progressive.count * 6 / 10)).write(
            to: URL(fileURLWithPath: file("cut-progressive.jpg")))
        try Data(baseline.prefix(baseline.count * 6 / 10)).write(to: URL(fileURLWithPath: file("cut-baseline.jpg")))
        try Data(baseline.prefix(baseline.count * 6 / 10) + [0xFF, 0xD9])
            .write(to: URL(fileURLWithPath: file("cut-baseline-ended.jpg")))
        try Data(Self.corruptingIntervals(try bytes("restarts.jpg"))).write(
            to: URL(fileURLWithPath: file("corrupt.jpg")))
    }

    /// Changes one byte of entropy data after every 20th restart marker from the second row of
    /// blocks on: never an `FF`, nor the byte after one, nor into one.
    private static func corruptingIntervals(_ jpeg: [UInt8]) -> [UInt8] {
        var bytes = jpeg
        guard let scan = (0..<(bytes.count - 1)).first(where: { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xDA }) else {
            return bytes
        }
        let restarts = (scan..<(bytes.count - 1)).filter { bytes[$0] == 0xFF && (0xD0...0xD7).contains(bytes[$0 + 1]) }
        for marker in restarts.dropFirst(200).enumerated().filter({ $0.offset % 20 == 0 }).map(\.element) {
            let target = marker + 4
            guard target + 1 < bytes.count, bytes[target - 1] != 0xFF, bytes[target] != 0xFF,
                bytes[target] ^ 0x5A != 0xFF
            else { continue }
            bytes[target] ^= 0x5A
        }
        return bytes
    }
}

/// The thumbnail of `name` decoded to memory, from its file (through the descriptor a
/// ``FileSource`` holds, as every stage reads it) or from its bytes (libvips' own jpegload, from
/// memory, then the same reduction): a PNG of its pixels, or the failure's reason.
private func thumbnail(
    _ name: String, fromFile: Bool, longEdge: Int, exportSRGB: Bool, in fixtures: AheadFixtures
) throws -> Result<[UInt8], VipsFailure> {
    let source: ImageSource =
        fromFile ? .file(try FileSource(path: fixtures.path(name))) : .bytes(try fixtures.bytes(name), name: name)
    do {
        let image = try source.thumbnail(mime: "image/jpeg", longEdge: longEdge, exportSRGB: exportSRGB)
        return .success(try image.copyToMemory().png(compression: 1))
    } catch let failure as VipsFailure {
        return .failure(failure)
    }
}

/// The message of the error that stopped a decode: libvips' error buffer is one for the process,
/// so whatever else runs meanwhile (other tests' decodes, their first warnings) may come before it.
private func stoppingMessage(_ reason: String) -> Substring {
    reason.split(separator: "; ").last ?? Substring(reason)
}

/// How many descriptors of this process are open on the file at `path`.
private func descriptorsOpen(on path: String) throws -> Int {
    let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    return try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count { entry in
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(entry)")) == target
    }
}

/// Whether a thread of this process is the JPEG decoder's (the shim names it `wamedia-jpeg`).
private func aDecoderThreadRuns() throws -> Bool {
    try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").contains { task in
        (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?.hasPrefix("wamedia-jpeg")
            == true
    }
}

// Serialized: each test compares libvips' messages, and the others' decodes would add theirs.
@Suite("JPEG decoded ahead of its reduction", .serialized)
struct JPEGDecodeAheadTests {
    @Test(
        "a file's thumbnail has the pixels libvips' jpegload gives, to the byte",
        arguments: AheadFixtures.whole, [(1000, false), (500, false), (1000, true)])
    func samePixelsAsJpegload(name: String, reduction: (longEdge: Int, exportSRGB: Bool)) async throws {
        let fixtures = try await AheadFixtures.get()
        let fromFile = try thumbnail(
            name, fromFile: true, longEdge: reduction.longEdge, exportSRGB: reduction.exportSRGB, in: fixtures)
        let fromBytes = try thumbnail(
            name, fromFile: false, longEdge: reduction.longEdge, exportSRGB: reduction.exportSRGB, in: fixtures)
        guard case .success(let ours) = fromFile, case .success(let reference) = fromBytes else {
            Issue.record("\(name) did not decode: \(fromFile), \(fromBytes)")
            return
        }
        #expect(ours == reference, "\(name) to \(reduction.longEdge) pixels")
    }

    @Test("an image taller than the ring of decoded rows comes out whole, upright and the right size")
    func tallerThanTheRing() async throws {
        let fixtures = try await AheadFixtures.get()
        // 600×4000 RGB: the ring holds 2 MB / 1800 bytes = 1165 rows, so it wraps round three times.
        let image = try ImageSource.file(try FileSource(path: fixtures.path("tall.jpg")))
            .thumbnail(mime: "image/jpeg", longEdge: 3000, exportSRGB: false)
        #expect(image.shape == VipsImage.Shape(width: 450, height: 3000, bands: 3, hasAlpha: false))
        let fromFile = try thumbnail("tall.jpg", fromFile: true, longEdge: 3000, exportSRGB: false, in: fixtures)
        let fromBytes = try thumbnail("tall.jpg", fromFile: false, longEdge: 3000, exportSRGB: false, in: fixtures)
        #expect(try fromFile.get() == fromBytes.get())
    }

    @Test(
        "a damaged file fails or decodes as libvips' jpegload has it, with the same message",
        arguments: ["cut-progressive.jpg", "cut-baseline.jpg", "cut-baseline-ended.jpg", "corrupt.jpg"])
    func sameFailuresAsJpegload(name: String) async throws {
        let fixtures = try await AheadFixtures.get()
        let fromFile = try thumbnail(name, fromFile: true, longEdge: 1000, exportSRGB: false, in: fixtures)
        let fromBytes = try thumbnail(name, fromFile: false, longEdge: 1000, exportSRGB: false, in: fixtures)
        switch (fromFile, fromBytes) {
        case (.success(let ours), .success(let reference)):
            #expect(name == "cut-baseline-ended.jpg", "\(name) decoded")
            #expect(ours == reference)
        case (.failure(let ours), .failure(let reference)):
            #expect(name != "cut-baseline-ended.jpg", "\(name) failed: \(ours.reason)")
            #expect(stoppingMessage(ours.reason) == stoppingMessage(reference.reason))
            #expect(stoppingMessage(ours.reason).hasPrefix("VipsJpeg: "), "\(ours.reason)")
        default:
            Issue.record("\(name): from its file \(fromFile), from its bytes \(fromBytes)")
        }
    }

    @Test("the fitter refuses a file whose data is corrupt as it refuses the same bytes from memory")
    func fitterRefusesCorruptData() async throws {
        let fixtures = try await AheadFixtures.get()
        let path = fixtures.path("corrupt.jpg")
        #expect(try ImageStructure.verify(fileAt: path, mime: "image/jpeg") == .intact)
        let fitter = ImageFitter(profile: profile(maxLongEdge: 1000))
        let fromFile = #expect(throws: WabaMediaError.self) { try fitter.fit(path: path) }
        let fromBytes = #expect(throws: WabaMediaError.self) {
            try fitter.fit(bytes: try fixtures.bytes("corrupt.jpg"), name: path)
        }
        #expect(fromFile?.code == .unsupportedInput && fromBytes?.code == .unsupportedInput)
        let ours = try #require(fromFile?.message)
        let reference = try #require(fromBytes?.message)
        #expect(ours.hasPrefix("\(path): the image data is damaged or truncated and cannot be decoded (VipsJpeg: "))
        #expect(stoppingMessage(ours) == stoppingMessage(reference), "\(ours)")
        #expect(stoppingMessage(ours).hasPrefix("VipsJpeg: Corrupt JPEG data"), "\(ours)")
        #expect(fromFile?.hint == fromBytes?.hint)
    }

    @Test("a read stopped early (an encode over its byte cap) stops the decoder: its thread ends, its file closes")
    func stoppedReadStopsTheDecoder() async throws {
        let fixtures = try await AheadFixtures.get()
        // A file of its own, so no other test holds it open.
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("tall.jpg").path
        try FileManager.default.copyItem(atPath: fixtures.path("tall.jpg"), toPath: path)
        try await offThePool {
            var image: VipsImage? = try VipsImage.thumbnail(
                path: path, owner: nil, loader: "jpegload", longEdge: 3000, exportSRGB: false)
            // Far over a 4 kB cap: the encoder stops in the first rows, the decoder waits on a full ring.
            guard case .overCap = try image!.jpeg(quality: 90, cap: 4_000) else {
                Issue.record("the tall image fitted in 4 kB")
                return
            }
            #expect(try aDecoderThreadRuns())
            #expect(try descriptorsOpen(on: path) == 1)
            image = nil
            // Released: the decoder was stopped and joined before its descriptor was closed.
            #expect(try descriptorsOpen(on: path) == 0)
        }
    }
}
