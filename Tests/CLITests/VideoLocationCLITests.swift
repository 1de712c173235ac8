import Foundation
import TestSupport
import Testing

/// Bytes no encoder writes: found in a file only if the GPS samples are still there.
private let gpsMarker = Data("GPS5-FIX-48.8584N-002.2945E;".utf8)

/// A faststart MP4 with H.264, AAC and a GoPro-style `gpmd` data track whose samples are
/// `gpsMarker` repeated. ffmpeg writes a `gpmd` track only in a QuickTime movie; its `ftyp` is
/// then given MP4 brands (same length), so the track is all that needs a rewrite.
private func gpsTrackMP4(in folder: URL) throws -> URL {
    let samples = folder.appendingPathComponent("gps.bin")
    try Data((0..<40).flatMap { _ in gpsMarker }).write(to: samples)
    let movie = folder.appendingPathComponent("gopro.mov")
    try runTool(
        "ffmpeg",
        [
            "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=1", "-f", "lavfi",
            "-i", "sine=duration=1", "-f", "data", "-i", samples.path, "-map", "0", "-map", "1", "-map", "2", "-c:v",
            "libx264", "-pix_fmt", "yuv420p", "-profile:v", "main", "-bf", "0", "-c:a", "aac", "-c:d", "copy",
            "-tag:d", "gpmd", "-shortest", "-movflags", "+faststart", "-f", "mov", movie.path,
        ])
    var bytes = try Data(contentsOf: movie)
    guard bytes.count > 20, bytes[4..<8] == Data("ftyp".utf8), bytes[8..<12] == Data("qt  ".utf8),
        bytes[16..<20] == Data("qt  ".utf8)
    else { throw FixtureError("ffmpeg's movie does not start with the expected 'ftyp'") }
    bytes.replaceSubrange(8..<12, with: Data("isom".utf8))
    bytes.replaceSubrange(16..<20, with: Data("isom".utf8))
    let mp4 = folder.appendingPathComponent("gopro.mp4")
    try bytes.write(to: mp4)
    return mp4
}

/// A faststart MP4 followed by Adobe's XMP `uuid` box holding `exif:GPSLatitude`/`GPSLongitude`.
private func xmpMP4(in folder: URL) throws -> URL {
    let mp4 = folder.appendingPathComponent("drone.mp4")
    try runTool(
        "ffmpeg",
        [
            "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=1", "-c:v",
            "libx264", "-pix_fmt", "yuv420p", "-profile:v", "main", "-bf", "0", "-movflags", "+faststart", mp4.path,
        ])
    let packet = Data(
        ("<?xpacket begin=\"\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?><x:xmpmeta xmlns:x=\"adobe:ns:meta/\">"
            + "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description rdf:about=\"\" "
            + "xmlns:exif=\"http://ns.adobe.com/exif/1.0/\" exif:GPSLatitude=\"48,51.504N\" "
            + "exif:GPSLongitude=\"2,17.67E\"/></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>").utf8)
    let uuid: [UInt8] = [
        0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC,
    ]
    let size = UInt32(8 + uuid.count + packet.count)
    var box = Data([UInt8(size >> 24), UInt8((size >> 16) & 0xFF), UInt8((size >> 8) & 0xFF), UInt8(size & 0xFF)])
    box += Data("uuid".utf8) + Data(uuid) + packet
    var bytes = try Data(contentsOf: mp4)
    bytes += box
    try bytes.write(to: mp4)
    return mp4
}

private func streamTypes(_ path: String) throws -> [String] {
    try runTool("ffprobe", ["-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0", path])
        .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
}

private func decodes(_ path: String) -> Bool {
    (try? runTool("ffmpeg", ["-v", "error", "-xerror", "-i", path, "-f", "null", "-"])) != nil
}

private func locationMessages(_ run: CLIRun) throws -> [String] {
    let report = try #require(try run.jsonLines().first)
    let findings = (report["findings"] as? [[String: Any]]) ?? []
    return findings.filter { $0["code"] as? String == "location" }.compactMap { $0["message"] as? String }
}

@Suite("wamedia: no location in a video container", .serialized)
struct VideoLocationCLITests {
    @Test(
        "a GPS data track (gpmd) is named by check, and prepare drops the track and its samples, from an MP4 and from a QuickTime movie rewritten as MP4",
        arguments: ["gopro.mp4", "gopro.mov"])
    func gpsTrack(inputName: String) throws {
        let folder = try makeTemporaryDirectory("wamedia-video-location")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try gpsTrackMP4(in: folder)
        let input = folder.appendingPathComponent(inputName)
        #expect(try streamTypes(input.path) == ["video", "audio", "data"])
        #expect(try Data(contentsOf: input).range(of: gpsMarker) != nil)

        let check = try wamedia("check", "--format", "json", input.path)
        let messages = try locationMessages(check)
        #expect(messages.contains { $0.contains("GPS data track (gpmd)") }, "\(check.standardOutput)")

        let output = folder.appendingPathComponent("sent.mp4")
        let run = try wamedia("prepare", input.path, "-o", output.path)
        #expect(run.status == 0, "\(run.standardError)")
        #expect(try streamTypes(output.path) == ["video", "audio"])
        #expect(try Data(contentsOf: output).range(of: gpsMarker) == nil, "the GPS samples are still in the file")
        #expect(decodes(output.path))
    }

    @Test("XMP GPS in a uuid box is named by check and removed by prepare")
    func xmpBox() throws {
        let folder = try makeTemporaryDirectory("wamedia-video-location")
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = try xmpMP4(in: folder)

        let check = try wamedia("check", "--format", "json", input.path)
        let messages = try locationMessages(check)
        #expect(messages.contains { $0.contains("XMP GPS in a uuid box") && $0.contains("exif:GPSLatitude") })

        let output = folder.appendingPathComponent("sent.mp4")
        let run = try wamedia("prepare", input.path, "-o", output.path)
        #expect(run.status == 0, "\(run.standardError)")
        let bytes = try Data(contentsOf: output)
        #expect(bytes.range(of: Data("GPSLatitude".utf8)) == nil)
        #expect(bytes.range(of: Data("GPSLongitude".utf8)) == nil)
        #expect(decodes(output.path))
    }

    @Test("--keep-metadata keeps the GPS track, its samples and the XMP GPS")
    func keepMetadata() throws {
        let folder = try makeTemporaryDirectory("wamedia-video-location")
        defer { try? FileManager.default.removeItem(at: folder) }
        let track = try gpsTrackMP4(in: folder)
        let xmp = try xmpMP4(in: folder)

        let trackOutput = folder.appendingPathComponent("kept-track.mp4")
        let trackRun = try wamedia("prepare", "--keep-metadata", track.path, "-o", trackOutput.path)
        #expect(trackRun.status == 0, "\(trackRun.standardError)")
        #expect(try streamTypes(trackOutput.path) == ["video", "audio", "data"])
        #expect(try Data(contentsOf: trackOutput).range(of: gpsMarker) != nil)

        let xmpOutput = folder.appendingPathComponent("kept-xmp.mp4")
        let xmpRun = try wamedia("prepare", "--keep-metadata", xmp.path, "-o", xmpOutput.path)
        #expect(xmpRun.status == 0, "\(xmpRun.standardError)")
        #expect(try Data(contentsOf: xmpOutput).range(of: Data("exif:GPSLatitude".utf8)) != nil)
    }

    @Test("an .m4v is fixable, and prepare writes an MP4 brand that libmagic calls video/mp4")
    func m4vBrand() throws {
        let folder = try makeTemporaryDirectory("wamedia-video-location")
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("movie.m4v")
        try runTool(
            "ffmpeg",
            [
                "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=1", "-f",
                "lavfi", "-i", "sine=duration=1", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-profile:v", "main",
                "-bf", "0", "-c:a", "aac", "-movflags", "+faststart", "-f", "ipod", input.path,
            ])
        let mimeType = { (path: String) in
            try runTool("file", ["--brief", "--mime-type", path]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try mimeType(input.path) == "video/x-m4v")

        let check = try wamedia("check", "--format", "json", input.path)
        let report = try #require(try check.jsonLines().first)
        #expect(report["verdict"] as? String == "fixable", "\(report)")
        let findings = (report["findings"] as? [[String: Any]]) ?? []
        #expect(
            findings.contains {
                $0["code"] as? String == "needs-conversion" && ($0["message"] as? String)?.contains("M4V") == true
            }, "\(report)")

        let output = folder.appendingPathComponent("movie.mp4")
        let run = try wamedia("prepare", input.path, "-o", output.path)
        #expect(run.status == 0, "\(run.standardError)")
        let bytes = try Data(contentsOf: output)
        #expect(bytes[8..<12] == Data("isom".utf8))
        #expect(bytes.prefix(64).range(of: Data("M4V".utf8)) == nil)
        #expect(try mimeType(output.path) == "video/mp4")
        #expect(try streamTypes(output.path) == ["video", "audio"])
        #expect(decodes(output.path))
    }
}
