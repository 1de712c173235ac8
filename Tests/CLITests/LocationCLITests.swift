import Foundation
import TestSupport
import Testing
import WabaSandbox

/// A JPEG and an MP4 that record where they were made, made with vips, ffmpeg and exiftool.
private func locatedFiles(in folder: URL) throws -> (jpeg: URL, mp4: URL) {
    let jpeg = folder.appendingPathComponent("IMG_0001.jpg")
    try runTool("vips", ["black", folder.appendingPathComponent("black.v").path, "320", "240", "--bands", "3"])
    try runTool(
        "vips",
        [
            "linear", folder.appendingPathComponent("black.v").path, folder.appendingPathComponent("grey.v").path, "1",
            "90",
        ])
    try runTool(
        "vips",
        [
            "copy", folder.appendingPathComponent("grey.v").path, folder.appendingPathComponent("srgb.v").path,
            "--interpretation", "srgb",
        ])
    try runTool(
        "vips",
        ["cast", folder.appendingPathComponent("srgb.v").path, folder.appendingPathComponent("photo.v").path, "uchar"])
    try runTool("vips", ["jpegsave", folder.appendingPathComponent("photo.v").path, jpeg.path, "--Q", "85"])
    try runTool(
        "exiftool",
        [
            "-q", "-q", "-overwrite_original", "-GPSLatitude=48.8584", "-GPSLatitudeRef=N", "-GPSLongitude=2.2945",
            "-GPSLongitudeRef=E", "-Make=TestCam", jpeg.path,
        ])
    let mp4 = folder.appendingPathComponent("clip.mp4")
    try runTool(
        "ffmpeg",
        [
            "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", "1", "-c:v",
            "libx264",
            "-pix_fmt", "yuv420p", "-profile:v", "main", "-bf", "0", "-metadata", "location=+48.8584+002.2945/",
            "-movflags",
            "+faststart", mp4.path,
        ])
    return (jpeg, mp4)
}

private func gpsTags(_ path: String) throws -> [String] {
    try runTool("exiftool", ["-G", "-s", "-a", path]).split(separator: "\n").map(String.init).filter {
        $0.contains("GPS") || $0.contains("Location")
    }
}

@Suite("wamedia: the location never leaves by default", .serialized)
struct LocationCLITests {
    @Test("check names the location; prepare removes it, keeps the rest byte for byte, and says so")
    func prepareRemovesLocation() throws {
        let folder = try makeTemporaryDirectory("wamedia-location")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (jpeg, _) = try locatedFiles(in: folder)

        let check = try wamedia("check", "--format", "json", jpeg.path)
        let report = try #require(try check.jsonLines().first)
        #expect(report["verdict"] as? String == "fixable")
        let findings = try #require(report["findings"] as? [[String: Any]])
        #expect(findings.contains { $0["code"] as? String == "location" && $0["severity"] as? String == "fixable" })

        let output = folder.appendingPathComponent("sent.jpg")
        let run = try wamedia("prepare", jpeg.path, "-o", output.path)
        #expect(run.status == 0, "\(run.standardError)")
        #expect(
            run.standardOutput.contains("remove GPS location (EXIF GPS in the APP1 segment)"), "\(run.standardOutput)")
        #expect(try gpsTags(output.path).isEmpty)
        let before = try Data(contentsOf: jpeg)
        let after = try Data(contentsOf: output)
        #expect(before.count == after.count)
        let differing = zip(before, after).filter { $0 != $1 }.count
        #expect(differing > 0 && differing < 500, "\(differing) bytes differ")
        #expect(try runTool("exiftool", ["-s3", "-Make", output.path]).contains("TestCam"))
    }

    @Test("--keep-metadata keeps the file as it is; with --strip-metadata it is a usage error")
    func keepMetadata() throws {
        let folder = try makeTemporaryDirectory("wamedia-location")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (jpeg, _) = try locatedFiles(in: folder)
        let output = folder.appendingPathComponent("kept.jpg")
        let run = try wamedia("prepare", "--keep-metadata", jpeg.path, "-o", output.path)
        #expect(run.status == 0, "\(run.standardError)")
        #expect(try Data(contentsOf: output) == Data(contentsOf: jpeg))
        let both = try wamedia("prepare", "--keep-metadata", "--strip-metadata", jpeg.path, "-o", output.path)
        #expect(both.status == 2)
        #expect(both.standardError.contains("--keep-metadata"))
    }

    @Test("send removes the location from an image and a video, and says what it removed")
    func sendRemovesLocation() async throws {
        let folder = try makeTemporaryDirectory("wamedia-location")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (jpeg, mp4) = try locatedFiles(in: folder)
        let store = folder.appendingPathComponent("received")
        try FileManager.default.createDirectory(at: store, withIntermediateDirectories: true)
        let key = "sk-location-0a1b2c3d"
        let sandbox = try SandboxServer(configuration: SandboxConfiguration(apiKey: key, storeDirectory: store.path))
        let url = try await sandbox.start()
        do {
            for (input, type) in [(jpeg, "image"), (mp4, "video")] {
                let run = try await wamediaAsync([
                    "send", "--type", type, "--channel", "chn_abc123", "--contact",
                    "c1d2e3f4-a5b6-7890-cdef-123456789012", "--base-url", url, "--api-key", key, "--format", "json",
                    input.path,
                ])
                #expect(run.status == 0, "\(run.standardError)")
                let object = try #require(try run.jsonLines().first)
                let steps = (object["transformed"] as? [String]) ?? []
                #expect(steps.contains { $0.contains("location") }, "\(object)")
            }
            let received = try FileManager.default.contentsOfDirectory(atPath: store.path)
            #expect(received.count >= 2, "\(received)")
            for name in received {
                #expect(try gpsTags(store.appendingPathComponent(name).path).isEmpty, "\(name) still has a location")
            }
        } catch {
            await sandbox.stop()
            throw error
        }
        await sandbox.stop()
    }
}
