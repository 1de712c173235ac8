import Foundation
import TestSupport
import Testing

/// A fresh folder for one test's outputs.
private func outputFolder() throws -> URL { try makeTemporaryDirectory("wamedia-prepare") }

/// A sample copied into `folder`, so a test can prove it is left alone.
private func copyOfSample(_ name: String, into folder: URL) throws -> URL {
    let copy = folder.appendingPathComponent(name)
    try FileManager.default.copyItem(at: samplesURL.appendingPathComponent(name), to: copy)
    return copy
}

/// What `wamedia inspect` says about an image file.
private func imageHeader(_ path: String) throws -> [String: Any] {
    let run = try wamedia("inspect", "--format", "json", path)
    #expect(run.status == 0, "\(run.standardError)")
    let object = try #require(try run.jsonLines().first)
    return try #require(object["image"] as? [String: Any])
}

@Suite("wamedia prepare")
struct PrepareCLITests {
    @Test("a fixable WebP becomes a JPEG under the limit, exit 0, named after the input in the -o folder")
    func webpBecomesJPEG() throws {
        let folder = try outputFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try wamedia("prepare", "--type", "image", sample("sticker.webp"), "-o", folder.path)
        #expect(run.status == 0, "\(run.standardError)")
        let output = folder.appendingPathComponent("sticker.jpg")
        let bytes = try Data(contentsOf: output)
        #expect(bytes.count > 0 && bytes.count <= 5_000_000)
        #expect(bytes.prefix(3) == Data([0xFF, 0xD8, 0xFF]))
        let header = try imageHeader(output.path)
        #expect(header["bits_per_sample"] as? Int == 8)
        #expect(header["has_exif"] as? Bool == false)
        #expect(run.standardOutput.contains("fixable"))
        // Nothing else is left in the folder: no temporary files.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["sticker.jpg"])
    }

    @Test("a PDF prepared as an image is rejected with exit 1 and no output")
    func rejectedPDF() throws {
        let folder = try outputFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try wamedia("prepare", "--type", "image", sample("invoice.pdf"), "-o", folder.path)
        #expect(run.status == 1)
        #expect(run.standardOutput.contains("rejected"))
        #expect(run.standardOutput.contains("mime-mismatch"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test("-o names a file for one input; a folder gets the input's name with the output's extension")
    func outputNaming() throws {
        let folder = try outputFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let named = folder.appendingPathComponent("chosen-name.jpg")
        let toFile = try wamedia("prepare", sample("sticker.webp"), "-o", named.path)
        #expect(toFile.status == 0, "\(toFile.standardError)")
        #expect(FileManager.default.fileExists(atPath: named.path))

        let subfolder = folder.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: subfolder, withIntermediateDirectories: true)
        let toFolder = try wamedia("prepare", sample("sticker.webp"), sample("photo.jpg"), "-o", subfolder.path + "/")
        #expect(toFolder.status == 0, "\(toFolder.standardError)")
        #expect(
            Set(try FileManager.default.contentsOfDirectory(atPath: subfolder.path)) == ["sticker.jpg", "photo.jpg"])

        let notAFolder = try wamedia("prepare", sample("sticker.webp"), sample("photo.jpg"), "-o", named.path)
        #expect(notAFolder.status == 2)
        #expect(notAFolder.standardError.contains("folder"))
    }

    @Test("--format json prints one object per file with the result's documented keys")
    func jsonShape() throws {
        let folder = try outputFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try wamedia(
            "prepare", "--format", "json", sample("sticker.webp"), sample("photo.jpg"), sample("truncated.jpg"), "-o",
            folder.path)
        #expect(run.status == 1)
        let objects = try run.jsonLines()
        #expect(objects.count == 3)
        let byFile = Dictionary(uniqueKeysWithValues: objects.map { ($0["file"] as? String ?? "", $0) })
        for object in objects {
            for key in ["file", "media_type", "verdict", "findings"] {
                #expect(object[key] != nil, "missing \(key) in \(object)")
            }
        }
        let converted = try #require(byFile[sample("sticker.webp")]?["result"] as? [String: Any])
        for key in [
            "output", "input_bytes", "output_bytes", "input_mime", "output_mime", "input_width", "input_height",
            "output_width", "output_height", "quality", "passed_through", "encodes", "steps",
        ] {
            #expect(converted[key] != nil, "missing result.\(key)")
        }
        #expect(converted["output_mime"] as? String == "image/jpeg")
        #expect((converted["output_bytes"] as? Int ?? .max) <= 5_000_000)
        #expect((converted["steps"] as? [String])?.contains("convert WEBP to JPEG") == true)

        let kept = try #require(byFile[sample("photo.jpg")]?["result"] as? [String: Any])
        #expect(kept["passed_through"] as? Bool == true)
        #expect(byFile[sample("truncated.jpg")]?["verdict"] as? String == "rejected")
        #expect(byFile[sample("truncated.jpg")]?["result"] == nil)
    }

    @Test("the input is never overwritten, even when the output folder is its own folder")
    func neverOverwritesInput() throws {
        let folder = try outputFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = try copyOfSample("photo.jpg", into: folder)
        let before = try Data(contentsOf: input)

        let intoOwnFolder = try wamedia("prepare", input.path, "-o", folder.path, "--strip-metadata")
        #expect(intoOwnFolder.status == 0, "\(intoOwnFolder.standardError)")
        #expect(try Data(contentsOf: input) == before)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("photo-prepared.jpg").path))

        let ontoItself = try wamedia("prepare", input.path, "-o", input.path, "--strip-metadata")
        #expect(ontoItself.status == 1)
        #expect(ontoItself.standardOutput.contains("overwrite"))
        #expect(try Data(contentsOf: input) == before)
    }

    @Test("a sendable JPEG with EXIF is copied as is, or re-saved without EXIF with --strip-metadata")
    func stripMetadata() throws {
        let folder = try outputFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try imageHeader(sample("photo.jpg"))["has_exif"] as? Bool == true)

        let kept = folder.appendingPathComponent("kept.jpg")
        let keep = try wamedia("prepare", sample("photo.jpg"), "-o", kept.path)
        #expect(keep.status == 0, "\(keep.standardError)")
        #expect(try Data(contentsOf: kept) == Data(contentsOf: URL(fileURLWithPath: sample("photo.jpg"))))

        let stripped = folder.appendingPathComponent("stripped.jpg")
        let strip = try wamedia("prepare", "--strip-metadata", sample("photo.jpg"), "-o", stripped.path)
        #expect(strip.status == 0, "\(strip.standardError)")
        let header = try imageHeader(stripped.path)
        #expect(header["has_exif"] as? Bool == false && header["has_xmp"] as? Bool == false)
        #expect(header["width"] as? Int == 1200 && header["height"] as? Int == 900)
        #expect(header["orientation"] as? Int == 1)
    }
}

@Suite("wamedia prepare: video, audio and documents")
struct PrepareContainerCLITests {
    @Test("an MP4 with its index at the end is rewritten faststart, and then checks without that finding")
    func videoFaststart() throws {
        let folder = try outputFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("late.mp4").path
        try runTool(
            "ffmpeg",
            [
                "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=1", "-f",
                "lavfi", "-i", "sine=duration=1", "-c:v", "libx264", "-profile:v", "main", "-bf", "0", "-pix_fmt",
                "yuv420p", "-c:a", "aac", input,
            ])
        let before = try wamedia("check", "--format", "json", input)
        #expect(before.standardOutput.contains("not-faststart"))

        let outputs = folder.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: outputs, withIntermediateDirectories: true)
        let run = try wamedia("prepare", "--format", "json", "-o", outputs.path + "/", input)
        #expect(run.status == 0, "\(run.standardError)")
        let record = try #require(try run.jsonLines().first)
        let output = try #require(record["output"] as? [String: Any])
        let path = try #require(output["path"] as? String)
        #expect(path == outputs.appendingPathComponent("late.mp4").path)

        let after = try wamedia("check", "--format", "json", path)
        #expect(after.status == 0)
        #expect(!after.standardOutput.contains("not-faststart"))
        #expect(try after.jsonLines().first?["verdict"] as? String == "ok")
    }

    @Test("--audio-track picks the audio track a two-track video keeps; a track that does not exist is a clear failure")
    func audioTrackChoice() throws {
        let folder = try outputFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("two.mp4").path
        try runTool(
            "ffmpeg",
            [
                "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=1",
                "-f", "lavfi", "-i", "sine=frequency=300:duration=1", "-f", "lavfi", "-i",
                "sine=frequency=900:duration=1:sample_rate=22050",
                "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264", "-profile:v", "main", "-bf", "0", "-pix_fmt",
                "yuv420p", "-c:a", "aac",
                "-movflags", "+faststart", input,
            ])

        let output = folder.appendingPathComponent("second.mp4").path
        let run = try wamedia("prepare", "--audio-track", "1", "-o", output, input)
        #expect(run.status == 0, "\(run.standardError)")
        let inspected = try #require(try wamedia("inspect", "--format", "json", output).jsonLines().first)
        let tracks = try #require((inspected["av"] as? [String: Any])?["tracks"] as? [[String: Any]])
        let audio = tracks.filter { $0["kind"] as? String == "audio" }
        #expect(audio.count == 1)
        #expect(audio.first?["sample_rate"] as? Int == 22_050)

        let missing = try wamedia(
            "prepare", "--audio-track", "5", "-o", folder.appendingPathComponent("x.mp4").path, input)
        #expect(missing.status == 1)
        #expect(missing.standardOutput.contains("no audio track 5"))
    }

    @Test("an iPhone-style .mov becomes an MP4 without its location and device metadata")
    func movWithoutLocation() throws {
        let folder = try outputFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("IMG_0001.mov").path
        try runTool(
            "ffmpeg",
            [
                "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=1", "-f",
                "lavfi", "-i", "sine=duration=1", "-c:v", "libx264", "-profile:v", "main", "-bf", "0", "-pix_fmt",
                "yuv420p", "-c:a", "aac",
                "-metadata", "location=+48.8584+002.2945/", "-metadata", "make=Apple", input,
            ])

        let run = try wamedia("prepare", "--format", "json", "-o", folder.path + "/", input)
        #expect(run.status == 0, "\(run.standardError)")
        let output = folder.appendingPathComponent("IMG_0001.mp4").path
        let tags = try runTool("ffprobe", ["-v", "error", "-show_entries", "format_tags", "-of", "flat", output])
        #expect(tags.contains("isom"))
        #expect(!tags.contains("location") && !tags.contains("Apple"), "\(tags)")
    }

    @Test("an ok document is copied unchanged; -o naming the input itself is refused, the input kept")
    func documentCopy() throws {
        let folder = try outputFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = try copyOfSample("invoice.pdf", into: folder)
        let original = try Data(contentsOf: input)
        let copy = folder.appendingPathComponent("copy.pdf")
        let run = try wamedia("prepare", "-o", copy.path, input.path)
        #expect(run.status == 0)
        #expect(try Data(contentsOf: copy) == original)

        let overwrite = try wamedia("prepare", "-o", input.path, input.path)
        #expect(overwrite.status == 1)
        #expect(overwrite.standardOutput.contains("overwrite the input"))
        #expect(try Data(contentsOf: input) == original)
    }
}
