import Foundation
import TestSupport
import Testing

/// Files of every kind the default profile names, made once per test run with real encoders.
struct Corpus: Sendable {
    let directory: URL

    /// File name → the MIME type its content must be detected as.
    let expected: [String: String]

    static let shared: Result<Corpus, any Error> = Result { try Corpus() }

    static func get() throws -> Corpus { try shared.get() }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private init() throws {
        directory = try makeTemporaryDirectory("wamedia-corpus")
        let dir = directory
        func file(_ name: String) -> String { dir.appendingPathComponent(name).path }
        var expected: [String: String] = [:]

        // Images.
        try runTool("vips", ["gaussnoise", file("noise.v"), "640", "480", "--sigma", "30"])
        try runTool("vips", ["gaussblur", file("noise.v"), file("soft.v"), "2"])
        try runTool("vips", ["bandjoin", "\(file("soft.v")) \(file("soft.v")) \(file("noise.v"))", file("rgb.v")])
        try runTool("vips", ["copy", file("rgb.v"), file("srgb.v"), "--interpretation", "srgb"])
        try runTool("vips", ["cast", file("srgb.v"), file("photo.v"), "uchar"])
        try runTool("vips", ["jpegsave", file("photo.v"), file("photo.jpg"), "--Q", "85"])
        try runTool("vips", ["pngsave", file("photo.v"), file("photo.png")])
        try runTool("vips", ["webpsave", file("photo.v"), file("photo.webp")])
        try runTool("vips", ["gifsave", file("photo.v"), file("photo.gif")])
        try runTool("vips", ["tiffsave", file("photo.v"), file("photo.tif")])
        try runTool("vips", ["heifsave", file("photo.v"), file("photo.heic"), "--compression", "hevc"])
        try runTool("convert", [file("photo.jpg"), file("photo.bmp")])
        expected["photo.jpg"] = "image/jpeg"
        expected["photo.png"] = "image/png"
        expected["photo.webp"] = "image/webp"
        expected["photo.gif"] = "image/gif"
        expected["photo.tif"] = "image/tiff"
        expected["photo.heic"] = "image/heic"
        expected["photo.bmp"] = "image/bmp"

        // Documents.
        try FileManager.default.copyItem(
            atPath: samplesURL.appendingPathComponent("invoice.pdf").path, toPath: file("invoice.pdf"))
        try Data("Order 42\nThanks!\n".utf8).write(to: URL(fileURLWithPath: file("notes.txt")))
        try Data("name,qty,price\nwidget,2,3.50\ngadget,1,9.99\nbolt,100,0.05\n".utf8).write(
            to: URL(fileURLWithPath: file("order.csv")))
        expected["invoice.pdf"] = "application/pdf"
        expected["notes.txt"] = "text/plain"
        expected["order.csv"] = "text/csv"
        for (name, mime) in [
            ("report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            ("sheet.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ("slides.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        ] {
            try OfficeFixtures.writeOOXML(to: file(name), kind: String(name.split(separator: ".").last!))
            expected[name] = mime
        }
        // An OOXML file whose first 64 KiB hold only a large unrelated part: libmagic alone says ZIP.
        try OfficeFixtures.writeOOXML(to: file("padded.docx"), kind: "docx", paddingBytes: 200_000)
        expected["padded.docx"] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        for (name, stream, mime) in [
            ("legacy.doc", "WordDocument", "application/msword"),
            ("legacy.xls", "Workbook", "application/vnd.ms-excel"),
            ("legacy.ppt", "PowerPoint Document", "application/vnd.ms-powerpoint"),
        ] {
            try Data(OfficeFixtures.compoundFile(streamName: stream)).write(to: URL(fileURLWithPath: file(name)))
            expected[name] = mime
        }

        // Audio and video.
        let tone = ["-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=1"]
        let picture = ["-f", "lavfi", "-i", "testsrc=size=176x144:rate=10:duration=1"]
        try runTool(
            "ffmpeg",
            ["-v", "error", "-y"] + picture + [
                "-f", "lavfi", "-i", "sine=duration=1", "-c:v", "libx264", "-profile:v", "main", "-bf", "0", "-pix_fmt",
                "yuv420p", "-c:a", "aac",
                "-movflags", "+faststart", file("clip.mp4"),
            ])
        try runTool(
            "ffmpeg",
            ["-v", "error", "-y"] + picture + [
                "-f", "lavfi", "-i", "sine=duration=1", "-c:v", "libx264", "-profile:v", "main", "-bf", "0", "-pix_fmt",
                "yuv420p", "-c:a", "aac", "-ar",
                "16000", "-movflags", "+faststart", file("clip.3gp"),
            ])
        try runTool("ffmpeg", tone + ["-c:a", "aac", "-movflags", "+faststart", file("tone.m4a")])
        try runTool("ffmpeg", tone + ["-c:a", "aac", "-f", "adts", file("tone.aac")])
        try runTool("ffmpeg", tone + ["-c:a", "libmp3lame", file("tone.mp3")])
        try runTool(
            "ffmpeg",
            tone + ["-c:a", "libmp3lame", "-id3v2_version", "0", "-write_xing", "0", "-f", "mp3", file("bare.mp3")])
        try runTool("ffmpeg", tone + ["-ac", "1", "-c:a", "libopus", file("voice.ogg")])
        try runTool("ffmpeg", tone + ["-c:a", "libvorbis", file("vorbis.ogg")])
        try runTool("ffmpeg", tone + [file("tone.wav")])
        try Data(OfficeFixtures.amrNarrowband(frames: 50)).write(to: URL(fileURLWithPath: file("voice.amr")))
        expected["clip.mp4"] = "video/mp4"
        expected["clip.3gp"] = "video/3gpp"
        expected["tone.m4a"] = "audio/mp4"
        expected["tone.aac"] = "audio/aac"
        expected["tone.mp3"] = "audio/mpeg"
        expected["bare.mp3"] = "audio/mpeg"
        expected["voice.ogg"] = "audio/ogg"
        expected["vorbis.ogg"] = "audio/ogg"
        expected["tone.wav"] = "audio/wav"
        expected["voice.amr"] = "audio/amr"

        for scratch in ["noise.v", "soft.v", "rgb.v", "srgb.v", "photo.v"] {
            try? FileManager.default.removeItem(atPath: file(scratch))
        }
        self.expected = expected
    }
}
