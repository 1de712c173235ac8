public import Foundation

/// Videos and audio made by ffmpeg for the tests of poster frames and audio levels.
public enum PreviewFixtures {
    /// A 3 s H.264 (Main, no B-frames) and AAC MP4 of 320×240, its index first.
    public static func clip(at url: URL) throws {
        try runTool(
            "ffmpeg",
            [
                "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                "testsrc2=size=320x240:rate=25:duration=3", "-f", "lavfi", "-i", "sine=frequency=440:duration=3",
                "-c:v", "libx264", "-profile:v", "main", "-bf", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                "-movflags", "+faststart", url.path,
            ])
    }

    /// A 2 s MP3 of a 440 Hz tone at ffmpeg's default amplitude (1/8): mean about -21.5 dBFS, peak about -18.5.
    public static func tone(at url: URL) throws {
        try runTool(
            "ffmpeg",
            [
                "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
                "-c:a", "libmp3lame", "-b:a", "64k", url.path,
            ])
    }

    /// ``clip(at:)`` with every byte of its media data zeroed: the header is intact (the file is a
    /// video/mp4 with a video track of 3 s), but ffmpeg decodes no picture of it.
    public static func undecodableClip(at url: URL) throws {
        let source = url.deletingLastPathComponent().appendingPathComponent("intact-\(UUID().uuidString).mp4")
        defer { try? FileManager.default.removeItem(at: source) }
        try clip(at: source)
        var bytes = [UInt8](try Data(contentsOf: source))
        guard let mdat = bytes.indices.dropLast(4).first(where: { bytes[$0..<$0 + 4] == [0x6D, 0x64, 0x61, 0x74] })
        else { throw FixtureError("no mdat box in the generated clip") }
        for index in (mdat + 4)..<bytes.count { bytes[index] = 0 }
        try Data(bytes).write(to: url)
    }

    /// The JPEG behind a `data:image/jpeg;base64,` URI in `html` after `prefix`; nil when there is none.
    public static func jpeg(after prefix: String, in html: String) -> Data? {
        guard let start = html.range(of: prefix + "data:image/jpeg;base64,") else { return nil }
        let base64 = html[start.upperBound...].prefix { $0 != "\"" }
        return Data(base64Encoded: String(base64))
    }

    /// The width and height of the JPEG `bytes` as libvips reads them, after decoding every pixel
    /// of it (`vips avg` fails on an image that does not decode).
    public static func decodedSize(ofJPEG bytes: Data) throws -> (width: Int, height: Int) {
        let folder = try makeTemporaryDirectory("wamedia-poster")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("poster.jpg")
        try bytes.write(to: file)
        try runTool("vips", ["avg", file.path])
        let width = try runTool("vipsheader", ["-f", "width", file.path])
        let height = try runTool("vipsheader", ["-f", "height", file.path])
        guard let width = Int(width.trimmingCharacters(in: .whitespacesAndNewlines)),
            let height = Int(height.trimmingCharacters(in: .whitespacesAndNewlines))
        else { throw FixtureError("vipsheader gave no size: \(width) \(height)") }
        return (width, height)
    }

    /// The mean and peak levels a page writes after its level bar (`<meter …></meter> mean −21.5 dB
    /// · peak −18.5 dB`), and the bar's value; nil when it has no bar.
    public static func levels(in html: String) -> (mean: Double, peak: Double, bar: Double)? {
        guard let meter = html.range(of: "<p class=\"level\"><meter "),
            let end = html.range(of: "</p>", range: meter.upperBound..<html.endIndex)
        else { return nil }
        let paragraph = html[meter.upperBound..<end.lowerBound]
        func value(after label: String) -> Double? {
            guard let start = paragraph.range(of: label) else { return nil }
            let text = paragraph[start.upperBound...].prefix { $0 != " " && $0 != "\"" }
            return Double(text.replacingOccurrences(of: "−", with: "-"))
        }
        guard let mean = value(after: "</meter> mean "), let peak = value(after: "· peak "),
            let bar = value(after: "value=\"")
        else { return nil }
        return (mean, peak, bar)
    }
}
