import Foundation
import TestSupport
import Testing

@testable import WabaMedia

@Suite("Detection from content")
struct DetectionTests {
    let detector: MIMEDetector

    init() throws {
        detector = try MIMEDetector()
    }

    @Test(
        "every kind of file is detected from its bytes",
        arguments: [
            "photo.jpg", "photo.png", "photo.webp", "photo.gif", "photo.tif", "photo.heic", "photo.bmp",
            "invoice.pdf", "notes.txt", "order.csv", "report.docx", "sheet.xlsx", "slides.pptx", "padded.docx",
            "legacy.doc", "legacy.xls", "legacy.ppt", "clip.mp4", "clip.3gp", "tone.m4a", "tone.aac", "tone.mp3",
            "bare.mp3", "voice.ogg", "vorbis.ogg", "tone.wav", "voice.amr",
        ])
    func detectsCorpus(name: String) throws {
        let corpus = try Corpus.get()
        let detection = try detector.detect(path: corpus.path(name))
        #expect(detection.mime.rawValue == corpus.expected[name], "\(name): libmagic said \(detection.libmagicMIME)")
    }

    @Test("the extension never decides: a PNG named .jpg is a PNG, a PDF named .jpg a PDF")
    func ignoresExtension() throws {
        let corpus = try Corpus.get()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (source, disguise, mime) in [
            ("photo.png", "photo.jpg", "image/png"), ("invoice.pdf", "invoice.jpg", "application/pdf"),
            ("notes.txt", "notes.png", "text/plain"),
        ] {
            let target = directory.appendingPathComponent(disguise).path
            try FileManager.default.copyItem(atPath: corpus.path(source), toPath: target)
            #expect(try detector.detect(path: target).mime.rawValue == mime)
        }
    }

    @Test("an OOXML file libmagic calls a ZIP is named from its central directory")
    func refinesZipFromDirectory() throws {
        let corpus = try Corpus.get()
        let detection = try detector.detect(path: corpus.path("padded.docx"))
        #expect(detection.mime == "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        if detection.libmagicMIME != detection.mime {
            #expect(detection.refinement == "zip-directory")
        }
    }

    @Test("only the first bytes of an OOXML file: the ZIP cannot be refined, and says so")
    func partialZipStaysZip() throws {
        let corpus = try Corpus.get()
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: corpus.path("padded.docx"))))
        let head = MemorySource(Array(bytes.prefix(4096)), totalSize: bytes.count)
        let detection = try detector.detect(head, fileName: "padded.docx")
        #expect(detection.mime == "application/zip")
    }

    @Test("old Office files are told apart by their compound-file stream names")
    func refinesCompoundFiles() throws {
        for (stream, mime) in [
            ("WordDocument", "application/msword"), ("Workbook", "application/vnd.ms-excel"),
            ("PowerPoint Document", "application/vnd.ms-powerpoint"),
        ] {
            let detection = try detector.detect(bytes: OfficeFixtures.compoundFile(streamName: stream))
            #expect(detection.mime.rawValue == mime)
        }
    }

    @Test("an unknown compound file falls back to the extension, among office types only")
    func compoundFileTieBreak() throws {
        let bytes = OfficeFixtures.compoundFile(streamName: "Contents")
        #expect(try detector.detect(bytes: bytes, fileName: "budget.xls").mime == "application/vnd.ms-excel")
        #expect(try detector.detect(bytes: bytes, fileName: "budget.pdf").mime != "application/pdf")
    }

    @Test("libmagic's names are mapped to WhatsApp's")
    func mapsAliases() throws {
        let corpus = try Corpus.get()
        let m4a = try detector.detect(path: corpus.path("tone.m4a"))
        #expect(m4a.mime == "audio/mp4")
        let adts = try detector.detect(path: corpus.path("tone.aac"))
        #expect(adts.mime == "audio/aac")
        #expect(adts.libmagicMIME != "audio/aac" || adts.mime == "audio/aac")
    }

    @Test("an empty file is application/x-empty")
    func emptyFile() throws {
        #expect(try detector.detect(bytes: []).mime == "application/x-empty")
    }

    @Test("a missing file is a file-not-found error naming the path")
    func missingFile() throws {
        #expect {
            try detector.detect(path: "/nonexistent/photo.jpg")
        } throws: { error in
            guard let error = error as? WabaMediaError else { return false }
            return error.code == .fileNotFound && error.message.contains("/nonexistent/photo.jpg")
        }
    }

    @Test("1,000 files detected from 8 tasks at once give the same answers as one by one")
    func concurrentDetectionMatchesSerial() async throws {
        let corpus = try Corpus.get()
        let names = corpus.expected.keys.sorted()
        let paths = (0..<1_000).map { corpus.path(names[$0 % names.count]) }
        let shared = detector
        let serial = try paths.map { try shared.detect(path: $0).mime }
        let concurrent = try await withThrowingTaskGroup(of: [(Int, MIMEType)].self) { group in
            for worker in 0..<8 {
                group.addTask {
                    try stride(from: worker, to: paths.count, by: 8).map {
                        ($0, try shared.detect(path: paths[$0]).mime)
                    }
                }
            }
            var answers = [MIMEType](repeating: "", count: paths.count)
            for try await batch in group { for (index, mime) in batch { answers[index] = mime } }
            return answers
        }
        #expect(concurrent == serial)
    }
}
