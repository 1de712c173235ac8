import Foundation
import TestSupport
import Testing

@testable import WabaMedia

@Suite("Validation verdicts")
struct ValidationTests {
    let checker: MediaChecker

    init() async throws {
        checker = try MediaChecker(ffmpeg: await FFmpegCapabilities.installed())
    }

    private func check(_ path: String, as type: MediaType?, caption: String? = nil) -> ValidationReport {
        checker.check(path: path, as: type, caption: caption)
    }

    @Test(
        "files WhatsApp takes as they are are ok",
        arguments: [
            ("photo.jpg", MediaType.image), ("photo.png", .image), ("invoice.pdf", .document), ("notes.txt", .document),
            ("order.csv", .document), ("report.docx", .document), ("sheet.xlsx", .document), ("slides.pptx", .document),
            ("legacy.doc", .document), ("legacy.xls", .document), ("legacy.ppt", .document), ("clip.mp4", .video),
            ("clip.3gp", .video), ("tone.m4a", .audio), ("tone.aac", .audio), ("tone.mp3", .audio),
            ("bare.mp3", .audio),
            ("voice.ogg", .audio), ("voice.amr", .audio),
        ])
    func acceptedAsIs(name: String, type: MediaType) throws {
        let report = check(try Corpus.get().path(name), as: type)
        #expect(report.verdict == .ok, "\(name): \(report.findings.map(\.message))")
        #expect(!report.findings.contains { $0.severity != .warning })
    }

    @Test(
        "image types WhatsApp refuses but the pipeline converts are fixable",
        arguments: ["photo.webp", "photo.gif", "photo.tif", "photo.heic", "photo.bmp"])
    func convertibleImages(name: String) throws {
        let report = check(try Corpus.get().path(name), as: .image)
        #expect(report.verdict == .fixable)
        #expect(report.findings.contains { $0.code == .needsConversion && $0.severity == .fixable })
    }

    @Test(
        "content that cannot be sent as the asked type is rejected as a mismatch",
        arguments: [
            ("invoice.pdf", MediaType.image), ("notes.txt", .image), ("photo.jpg", .document), ("clip.mp4", .audio),
            ("tone.mp3", .video), ("tone.wav", .audio), ("photo.png", .video),
        ])
    func mismatches(name: String, type: MediaType) throws {
        // Without ffmpeg: with it, a video's or a WAV's audio is transcoded (TranscodeTests).
        var withoutTranscoder = checker
        withoutTranscoder.planner.ffmpeg = .none
        let report = withoutTranscoder.check(path: try Corpus.get().path(name), as: type)
        #expect(report.verdict == .rejected)
        let finding = try #require(report.findings.first { $0.code == .mimeMismatch })
        #expect(!finding.message.isEmpty && !finding.hint.isEmpty)
    }

    @Test(
        "audio in a video or a WAV sent as audio is fixable with ffmpeg: transcoded",
        .enabled(if: AVTestSupport.ffmpegTestsRun), arguments: ["clip.mp4", "tone.wav"])
    func audioTranscoded(name: String) throws {
        let report = check(try Corpus.get().path(name), as: .audio)
        #expect(report.verdict == .fixable)
        #expect(report.findings.first { $0.code == .mimeMismatch }?.severity == .fixable)
        #expect(report.plannedSteps.first?.hasPrefix("encode") == true, "\(report.plannedSteps)")
    }

    @Test("a PDF named .jpg and text named .png are rejected as images, whatever their names")
    func disguisedFiles() throws {
        let corpus = try Corpus.get()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (source, disguise) in [("invoice.pdf", "photo.jpg"), ("notes.txt", "photo.png")] {
            let path = directory.appendingPathComponent(disguise).path
            try FileManager.default.copyItem(atPath: corpus.path(source), toPath: path)
            let report = check(path, as: .image)
            #expect(report.verdict == .rejected)
            #expect(report.findings.map(\.code) == [.mimeMismatch])
            #expect(report.findings[0].hint.contains("--type document"))
        }
    }

    @Test("an empty file is rejected as empty")
    func emptyFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("blank.jpg").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        for type in MediaType.allCases {
            let report = check(path, as: type)
            #expect(report.verdict == .rejected)
            #expect(report.findings.map(\.code) == [.empty])
        }
    }

    @Test("a truncated JPEG and a corrupted PNG are rejected as unreadable")
    func damagedImages() throws {
        let corpus = try Corpus.get()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: corpus.path("photo.jpg")))
        let truncated = directory.appendingPathComponent("truncated.jpg")
        try jpeg.prefix(jpeg.count / 2).write(to: truncated)
        var png = try [UInt8](Data(contentsOf: URL(fileURLWithPath: corpus.path("photo.png"))))
        for index in stride(from: 200, to: png.count - 100, by: 97) { png[index] ^= 0x5A }
        let corrupted = directory.appendingPathComponent("corrupted.png")
        try Data(png).write(to: corrupted)
        for path in [truncated.path, corrupted.path] {
            let report = check(path, as: .image)
            #expect(report.verdict == .rejected, "\(path)")
            #expect(report.findings.contains { $0.code == .unreadable })
        }
    }

    @Test("a 9 MB JPEG is fixable: too large, and prepare can shrink it")
    func oversizedJPEG() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("big.jpg").path
        try runTool(
            "vips", ["gaussnoise", directory.appendingPathComponent("n.v").path, "3000", "2300", "--sigma", "60"])
        try runTool(
            "vips",
            [
                "bandjoin", "\(directory.path)/n.v \(directory.path)/n.v \(directory.path)/n.v",
                directory.appendingPathComponent("rgb.v").path,
            ])
        try runTool(
            "vips",
            [
                "cast", directory.appendingPathComponent("rgb.v").path, directory.appendingPathComponent("u.v").path,
                "uchar",
            ])
        try runTool(
            "vips",
            [
                "copy", directory.appendingPathComponent("u.v").path, directory.appendingPathComponent("s.v").path,
                "--interpretation", "srgb",
            ])
        try runTool("vips", ["jpegsave", directory.appendingPathComponent("s.v").path, path, "--Q", "98"])
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        #expect(size > 8_000_000 && size < 12_000_000, "the fixture should be about 9 MB, is \(size)")
        let report = check(path, as: .image)
        #expect(report.verdict == .fixable)
        #expect(report.findings.contains { $0.code == .tooLarge && $0.severity == .fixable })
    }

    @Test("a 120 MB document is rejected as too large, a 120 MB video too")
    func oversizedDocument() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("huge.pdf").path
        let pdf = try Data(contentsOf: URL(fileURLWithPath: try Corpus.get().path("invoice.pdf")))
        #expect(FileManager.default.createFile(atPath: path, contents: pdf))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: 120_000_000)
        try handle.close()
        let report = check(path, as: .document)
        #expect(report.verdict == .rejected)
        #expect(report.findings.map(\.code) == [.tooLarge])
        #expect(report.findings[0].message.contains("100.0 MB"))
    }

    @Test("CMYK and 16-bit images are fixable, with the conversion named")
    func colourAndDepth() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        try runTool("vips", ["black", path("k.v"), "64", "48", "--bands", "4"])
        try runTool("vips", ["copy", path("k.v"), path("cmyk.v"), "--interpretation", "cmyk"])
        try runTool("vips", ["jpegsave", path("cmyk.v"), path("cmyk.jpg")])
        try runTool("vips", ["black", path("b.v"), "64", "48", "--bands", "3"])
        try runTool("vips", ["cast", path("b.v"), path("b16.v"), "ushort"])
        try runTool("vips", ["copy", path("b16.v"), path("rgb16.v"), "--interpretation", "rgb16"])
        try runTool("vips", ["pngsave", path("rgb16.v"), path("deep.png")])

        let cmyk = check(path("cmyk.jpg"), as: .image)
        #expect(cmyk.verdict == .fixable)
        #expect(cmyk.findings.contains { $0.code == .colourSpace })
        let deep = check(path("deep.png"), as: .image)
        #expect(deep.verdict == .fixable)
        #expect(deep.findings.contains { $0.code == .notEightBit })
        #expect(deep.inspection.image?.bitsPerSample == 16)
    }

    @Test("a 30000×30000 image is refused from its header, before any decoding")
    func pixelBomb() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bomb.png").path
        try Data(ImageBytes.pngHeaderOnly(width: 30_000, height: 30_000)).write(to: URL(fileURLWithPath: path))
        let started = ContinuousClock.now
        let report = check(path, as: .image)
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(report.verdict == .rejected)
        #expect(report.findings.contains { $0.code == .tooManyPixels })
    }

    @Test("a PNG named .jpg is sent as .png: a warning with the corrected name")
    func extensionMismatch() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("photo.jpg").path
        try FileManager.default.copyItem(atPath: try Corpus.get().path("photo.png"), toPath: path)
        let report = check(path, as: .image)
        #expect(report.verdict == .ok)
        #expect(report.inspection.mime == "image/png")
        #expect(report.suggestedFileName == "photo.png")
        #expect(report.findings.contains { $0.code == .extensionMismatch && $0.severity == .warning })
    }

    @Test("a PDF named .docx is fixable as a document: the name picks the icon")
    func documentExtensionMismatch() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("contract.docx").path
        try FileManager.default.copyItem(atPath: try Corpus.get().path("invoice.pdf"), toPath: path)
        let report = check(path, as: .document)
        #expect(report.verdict == .fixable)
        #expect(report.suggestedFileName == "contract.pdf")
    }

    @Test("a CSV keeps its name as a plain-text document; markup does not count as text")
    func textVariants() throws {
        let corpus = try Corpus.get()
        let csv = check(corpus.path("order.csv"), as: .document)
        #expect(csv.effectiveMIME == "text/plain")
        #expect(csv.suggestedFileName == nil)
        let strict = MediaValidator(profile: try MediaProfile.load("whatsapp-conservative"))
        let inspection = try checker.inspector.inspect(path: corpus.path("order.csv"))
        #expect(strict.validate(inspection, as: .document).verdict == .rejected)

        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let html = directory.appendingPathComponent("page.txt")
        try Data("<!DOCTYPE html><html><head><title>x</title></head><body>hi</body></html>\n".utf8).write(to: html)
        #expect(check(html.path, as: .document).verdict == .rejected)
    }

    @Test("captions: over the limit is rejected, under audio it is a warning")
    func captions() throws {
        let corpus = try Corpus.get()
        let long = String(repeating: "é", count: 1025)
        let tooLong = check(corpus.path("photo.jpg"), as: .image, caption: long)
        #expect(tooLong.verdict == .rejected)
        #expect(tooLong.findings.contains { $0.code == .captionTooLong })
        #expect(check(corpus.path("photo.jpg"), as: .image, caption: String(long.dropLast())).verdict == .ok)
        let audio = check(corpus.path("tone.mp3"), as: .audio, caption: "listen")
        #expect(audio.verdict == .ok)
        #expect(audio.findings.contains { $0.code == .captionIgnored })
    }

    @Test("without a type, the type is inferred from the content")
    func inferredType() throws {
        let corpus = try Corpus.get()
        #expect(check(corpus.path("photo.jpg"), as: nil).mediaType == .image)
        #expect(check(corpus.path("clip.mp4"), as: nil).mediaType == .video)
        #expect(check(corpus.path("tone.m4a"), as: nil).mediaType == .audio)
        #expect(check(corpus.path("invoice.pdf"), as: nil).mediaType == .document)
    }

    @Test("a missing file is a rejected report saying so, not a crash")
    func missingFile() {
        let report = check("/nonexistent/x.jpg", as: .image)
        #expect(report.verdict == .rejected)
        #expect(report.findings.first?.code == .unreadable)
        #expect(report.findings.first?.message.contains("no such file") == true)
    }

    @Test("a stricter profile turns a fine file into a fixable or rejected one")
    func stricterProfile() async throws {
        let installed = await FFmpegCapabilities.installed()
        var strict = try MediaChecker(profile: try MediaProfile.load("whatsapp-conservative"), ffmpeg: installed)
        let corpus = try Corpus.get()
        #expect(strict.check(path: corpus.path("legacy.doc"), as: .document).verdict == .rejected)
        // 3GP is not among the profile's containers: fixable by a transcode to MP4, rejected without ffmpeg.
        if installed.ffmpeg != nil {
            #expect(strict.check(path: corpus.path("clip.3gp"), as: .video).verdict == .fixable)
        }
        strict.planner.ffmpeg = .none
        #expect(strict.check(path: corpus.path("clip.3gp"), as: .video).verdict == .rejected)
    }
}

/// Image bytes built by hand, for shapes no encoder will write.
enum ImageBytes {
    /// A PNG signature and an IHDR chunk claiming `width`×`height`, then nothing: a header that
    /// promises a decompression bomb.
    static func pngHeaderOnly(width: Int, height: Int) -> [UInt8] {
        var ihdr: [UInt8] = Array("IHDR".utf8)
        for value in [width, height] {
            ihdr += [
                UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF),
            ]
        }
        ihdr += [8, 2, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr.dropFirst(4))
            + chunk("IDAT", [0x78, 0x9C, 0x63, 0x60])
    }

    private static func chunk(_ type: String, _ data: some Collection<UInt8>) -> [UInt8] {
        let body = Array(type.utf8) + data
        let crc = crc32(body)
        let count = data.count
        return [UInt8(count >> 24 & 0xFF), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]
            + body
            + [UInt8(crc >> 24 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
