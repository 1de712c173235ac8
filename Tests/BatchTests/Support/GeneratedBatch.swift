import Foundation
import TestSupport

/// A batch folder of a few hundred files, made once per test run with real encoders and the samples:
/// good, fixable and rejected files of every media type, in nested folders, with hidden files that
/// must be skipped and repeated content that must be found.
struct GeneratedBatch: Sendable {
    let root: URL
    /// File name (without its batch prefix) → the verdict it must get.
    let expectedVerdicts: [String: String]
    /// Template names whose copies share one content in every batch (duplicates after the first).
    let sharedContent: Set<String>
    let batches: Int

    static let shared: Result<GeneratedBatch, any Error> = Result { try GeneratedBatch() }
    static func get() throws -> GeneratedBatch { try shared.get() }

    /// The template a generated file was copied from: `03-photo.jpg` → `photo.jpg`.
    static func template(of path: String) -> String {
        let name = URL(fileURLWithPath: path).lastPathComponent
        return String(name.drop { $0 != "-" }.dropFirst())
    }

    /// Every file the walk must yield, in its order: depth-first, names in byte order, hidden ones skipped.
    func walkOrder() throws -> [String] {
        func walk(_ folder: URL) throws -> [String] {
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
                .filter { !$0.hasPrefix(".") }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            return try names.flatMap { name -> [String] in
                let url = folder.appendingPathComponent(name)
                var isFolder: ObjCBool = false
                let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
                return exists && isFolder.boolValue ? try walk(url) : [url.path]
            }
        }
        return try walk(root)
    }

    private init() throws {
        let scratch = try makeTemporaryDirectory("wamedia-batch-templates")
        root = try makeTemporaryDirectory("wamedia-batch")
        func t(_ name: String) -> String { scratch.appendingPathComponent(name).path }

        // Images, made with libvips.
        try runTool("vips", ["gaussnoise", t("noise.v"), "96", "64", "--mean", "128", "--sigma", "40"])
        try runTool("vips", ["cast", t("noise.v"), t("grey.v"), "uchar"])
        try runTool("vips", ["bandjoin", "\(t("grey.v")) \(t("grey.v")) \(t("grey.v"))", t("rgb.v")])
        try runTool("vips", ["copy", t("rgb.v"), t("srgb.v"), "--interpretation", "srgb"])
        try runTool("vips", ["jpegsave", t("srgb.v"), t("made.jpg"), "--Q", "80"])
        try runTool("vips", ["pngsave", t("srgb.v"), t("made.png")])
        try runTool("vips", ["webpsave", t("srgb.v"), t("made.webp")])
        try runTool("vips", ["gifsave", t("srgb.v"), t("made.gif")])
        try runTool("vips", ["tiffsave", t("srgb.v"), t("made.tif")])
        try runTool("vips", ["cast", t("noise.v"), t("deep.v"), "ushort"])
        try runTool("vips", ["copy", t("deep.v"), t("deep16.v"), "--interpretation", "grey16"])
        try runTool("vips", ["pngsave", t("deep16.v"), t("deep16.png")])
        // Audio and video, made with ffmpeg.
        let quiet = ["-hide_banner", "-loglevel", "error", "-y"]
        try runTool(
            "ffmpeg",
            quiet + [
                "-f", "lavfi", "-i", "testsrc=size=96x64:rate=10", "-f", "lavfi", "-i", "sine=frequency=440",
                "-t", "1", "-c:v", "libx264", "-profile:v", "main", "-bf", "0", "-pix_fmt", "yuv420p", "-c:a", "aac",
                "-movflags", "+faststart", t("made.mp4"),
            ])
        try runTool(
            "ffmpeg",
            quiet + [
                "-f", "lavfi", "-i", "testsrc=size=96x64:rate=10", "-t", "1", "-c:v", "libx264", "-profile:v", "main",
                "-bf", "0", "-pix_fmt",
                "yuv420p", "-f", "mov", t("made.mov"),
            ])
        try runTool("ffmpeg", quiet + ["-f", "lavfi", "-i", "sine=frequency=330", "-t", "1", t("made.wav")])
        try runTool(
            "ffmpeg",
            quiet + ["-f", "lavfi", "-i", "sine=frequency=550", "-t", "1", "-c:a", "libmp3lame", t("made.mp3")])

        // Template name → (source, verdict). Names keep the source's real extension unless the test is about it.
        let templates: [String: (URL, String)] = [
            "made.jpg": (URL(fileURLWithPath: t("made.jpg")), "ok"),
            "made.png": (URL(fileURLWithPath: t("made.png")), "ok"),
            "made.mp4": (URL(fileURLWithPath: t("made.mp4")), "ok"),
            "made.mp3": (URL(fileURLWithPath: t("made.mp3")), "ok"),
            "photo.jpg": (sample("photo.jpg"), "ok"),
            "invoice.pdf": (sample("invoice.pdf"), "ok"),
            "notes.txt": (sample("notes.txt"), "ok"),
            "report.docx": (sample("report.docx"), "ok"),
            "voice.ogg": (sample("voice.ogg"), "ok"),
            "made.webp": (URL(fileURLWithPath: t("made.webp")), "fixable"),
            "made.gif": (URL(fileURLWithPath: t("made.gif")), "fixable"),
            "made.tif": (URL(fileURLWithPath: t("made.tif")), "fixable"),
            "deep16.png": (URL(fileURLWithPath: t("deep16.png")), "fixable"),
            "made.mov": (URL(fileURLWithPath: t("made.mov")), "fixable"),
            "sticker.webp": (sample("sticker.webp"), "fixable"),
            "invoice.doc": (sample("invoice.pdf"), "fixable"),
            "truncated.jpg": (sample("truncated.jpg"), "rejected"),
            // Transcoded to a voice note (the tests run with ffmpeg installed).
            "made.wav": (URL(fileURLWithPath: t("made.wav")), "fixable"),
        ]
        var expected = templates.mapValues(\.1)
        expected["empty.jpg"] = "rejected"
        expected["junk.bin"] = "rejected"
        expected["page.html"] = "rejected"
        // Made unique per batch by a trailing comment (after the JPEG's end, the PDF's %%EOF, the text).
        let unique: Set<String> = ["made.jpg", "invoice.pdf", "notes.txt", "page.html", "junk.bin"]
        sharedContent = Set(expected.keys).subtracting(unique).subtracting(["empty.jpg"])

        batches = 12
        for batch in 0..<batches {
            let folder = root.appendingPathComponent(batch % 3 == 0 ? "nested/batch-\(batch)" : "batch-\(batch)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let prefix = String(format: "%02d-", batch)
            for (name, (source, _)) in templates {
                var bytes = try Data(contentsOf: source)
                if unique.contains(name) { bytes.append(Data("\n% batch \(batch)\n".utf8)) }
                try bytes.write(to: folder.appendingPathComponent(prefix + name))
            }
            try Data().write(to: folder.appendingPathComponent(prefix + "empty.jpg"))
            var junk = [UInt8](repeating: 0, count: 3000)
            for index in junk.indices { junk[index] = UInt8(truncatingIfNeeded: (index &* 7919 &+ batch &* 31) >> 3) }
            try Data(junk).write(to: folder.appendingPathComponent(prefix + "junk.bin"))
            try Data("<!DOCTYPE html><html><body>batch \(batch)</body></html>\n".utf8)
                .write(to: folder.appendingPathComponent(prefix + "page.html"))
            // Hidden files and folders are never part of a batch.
            try Data("x".utf8).write(to: folder.appendingPathComponent(".DS_Store"))
        }
        let hiddenFolder = root.appendingPathComponent(".cache")
        try FileManager.default.createDirectory(at: hiddenFolder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: sample("truncated.jpg"), to: hiddenFolder.appendingPathComponent("x.jpg"))
        expectedVerdicts = expected
    }
}
