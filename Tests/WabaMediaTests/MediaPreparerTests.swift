import Foundation
import Synchronization
import TestSupport
import Testing

@testable import WabaMedia

/// The one preparation path: what it keeps and transforms, that it owns what it writes, and that it
/// reads the file it checked.
@Suite struct MediaPreparerTests {
    struct Forced: Error {}

    func copy(_ name: String, to folder: URL, as newName: String? = nil) throws -> String {
        let target = folder.appendingPathComponent(newName ?? name).path
        try FileManager.default.copyItem(atPath: samplesURL.appendingPathComponent(name).path, toPath: target)
        return target
    }

    @Test("a file the preparation wrote is gone after the scope, whether the body returns or throws")
    func preparedFilesAreRemoved() async throws {
        let preparer = try MediaPreparer(executor: .tests)
        let sticker = samplesURL.appendingPathComponent("sticker.webp").path
        let kept = try await preparer.withPreparedMedia(at: sticker, as: .image) { (media: PreparedMedia) async in
            #expect(media.action == .fittedImage)
            #expect(media.mime == "image/jpeg")
            #expect(media.media.path != sticker)
            #expect(FileManager.default.fileExists(atPath: media.media.path))
            return media.media.path
        }
        #expect(!FileManager.default.fileExists(atPath: kept))
        #expect(!FileManager.default.fileExists(atPath: URL(fileURLWithPath: kept).deletingLastPathComponent().path))

        let failed = Mutex<String?>(nil)
        await #expect(throws: Forced.self) {
            try await preparer.withPreparedMedia(at: sticker, as: .image) { (media: PreparedMedia) async throws in
                failed.withLock { $0 = media.media.path }
                throw Forced()
            }
        }
        let path = try #require(failed.withLock { $0 })
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("a cancelled upload scope removes the prepared file too")
    func cancellationRemovesPreparedFiles() async throws {
        let preparer = try MediaPreparer(executor: .tests)
        let sticker = samplesURL.appendingPathComponent("sticker.webp").path
        let written = Mutex<String?>(nil)
        let task = Task {
            try await preparer.withPreparedMedia(at: sticker, as: .image) { media in
                written.withLock { $0 = media.media.path }
                try await Task.sleep(for: .seconds(60))
            }
        }
        for _ in 0..<500 where written.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
        let path = try #require(written.withLock { $0 })
        #expect(FileManager.default.fileExists(atPath: path))
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("a conforming image is kept byte for byte; --strip-metadata re-saves one with EXIF without it")
    func keepOrStrip() async throws {
        let photo = samplesURL.appendingPathComponent("photo.jpg").path
        try await MediaPreparer(executor: .tests).withPreparedMedia(at: photo, as: .image) {
            (media: PreparedMedia) async throws in
            #expect(media.action == .kept)
            #expect(media.report.inspection.image?.hasEXIF == true)
            let sent = try media.media.read(at: 0, count: media.size)
            #expect(sent == Array(try Data(contentsOf: URL(fileURLWithPath: photo))))
        }
        try await MediaPreparer(options: .init(stripMetadata: true), executor: .tests).withPreparedMedia(
            at: photo, as: .image
        ) {
            (media: PreparedMedia) async in
            #expect(media.action == .fittedImage)
            #expect(media.finalReport.inspection.image?.hasEXIF == false)
            #expect(media.finalReport.verdict == .ok)
        }
    }

    @Test("the bytes prepared are those checked, even when the path is replaced meanwhile")
    func replacedPathDoesNotChangeWhatIsSent() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = try copy("photo.jpg", to: folder)
        let damaged = try copy("truncated.jpg", to: folder)
        let original = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let output = folder.appendingPathComponent("out.jpg").path
        try await MediaPreparer(executor: .tests).withPreparedMedia(at: path, as: .image) {
            (media: PreparedMedia) async throws in
            // Another program swaps the file, as `mv` does.
            #expect(rename(damaged, path) == 0)
            try media.write(to: output)
        }
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: output))) == original)
    }

    @Test("a file written in place after its check is never passed on")
    func rewrittenInPlaceFails() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = try copy("invoice.pdf", to: folder)
        let output = folder.appendingPathComponent("out.pdf").path
        await #expect {
            try await MediaPreparer(executor: .tests).withPreparedMedia(at: path, as: .document) {
                (media: PreparedMedia) async throws in
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
                try handle.seek(toOffset: 100)
                try handle.write(contentsOf: Data(repeating: 0x20, count: 16))
                try handle.close()
                try media.write(to: output)
            }
        } throws: { ($0 as? WabaMediaError)?.code == .sourceChanged }
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test("writing the prepared file over its own input is refused, the input kept")
    func outputIsNotTheInput() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = try copy("invoice.pdf", to: folder)
        let link = folder.appendingPathComponent("link.pdf").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        for target in [path, link] {
            await #expect {
                try await MediaPreparer(executor: .tests).withPreparedMedia(at: path, as: .document) {
                    (media: PreparedMedia) async throws in try media.write(to: target)
                }
            } throws: { ($0 as? WabaMediaError)?.code == .invalidArgument }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test("a FIFO is refused at once, not waited on")
    func fifoIsRefused() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let fifo = folder.appendingPathComponent("pipe.jpg").path
        #expect(mkfifo(fifo, 0o644) == 0)
        await #expect {
            try await MediaPreparer(executor: .tests).withPreparedMedia(at: fifo, as: .image) {
                (_: PreparedMedia) async in
            }
        } throws: { error in
            guard let error = error as? WabaMediaError else { return false }
            return error.code == .unsupportedInput && error.message.contains("named pipe")
        }
    }

    @Test("a video whose container needs it is rewritten; a fixable file nothing can fix is refused with why")
    func containerRewriteAndNothingToDo() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let late = folder.appendingPathComponent("late.mp4").path
        try runTool(
            "ffmpeg",
            [
                "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=1", "-c:v", "libx264",
                "-profile:v", "main", "-bf", "0", "-pix_fmt", "yuv420p", late,
            ])
        try await MediaPreparer(executor: .tests).withPreparedMedia(at: late, as: .video) {
            (media: PreparedMedia) async in
            #expect(media.action == .rewroteContainer)
            #expect(media.mime == "video/mp4")
            #expect(media.finalReport.verdict == .ok)
            #expect(media.finalReport.inspection.av?.faststart == true)
        }
    }
}

@Suite struct ValidationReportTests {
    func report(_ findings: [Finding]) -> ValidationReport {
        ValidationReport(
            inspection: Inspection(file: "x", size: 1, detection: .unknown), mediaType: .image, findings: findings,
            effectiveMIME: "image/jpeg")
    }

    @Test("the verdict follows the findings as they are added and removed")
    func verdictIsDerived() {
        let fixable = Finding(.needsConversion, .fixable, message: "m", hint: "h")
        let rejected = Finding(.tooManyPixels, .rejected, message: "m", hint: "h")
        var report = report([Finding(.metadata, .warning, message: "m", hint: "h")])
        #expect(report.verdict == .ok)
        report = report.adding(fixable)
        #expect(report.verdict == .fixable)
        report = report.adding(rejected)
        #expect(report.verdict == .rejected)
        #expect(report.rejections == [rejected])
        report = report.removing(.tooManyPixels)
        #expect(report.verdict == .fixable)
        #expect(report.findingsNeedingTransform == [fixable])
    }

    @Test("an unreadable report is rejected and says why")
    func unreadable() {
        let report = ValidationReport.unreadable(
            "gone.jpg", as: .image,
            error: WabaMediaError(.fileNotFound, "gone.jpg: no such file", hint: "check the path"))
        #expect(report.verdict == .rejected)
        #expect(report.findings.map(\.code) == [.unreadable])
        #expect(report.findings.first?.hint == "check the path")
    }
}

@Suite struct FindingCodeRegistryTests {
    /// The codes a Markdown table's first column lists, with the severities its second names.
    func tableRows(in text: String) -> [String: Set<String>] {
        var rows: [String: Set<String>] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2 else { continue }
            let code = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let severities = ["warning", "fixable", "rejected"].filter { cells[1].contains($0) }
            rows[code] = Set(severities)
        }
        return rows
    }

    @Test("docs/findings.md lists every code with its severities, and nothing else")
    func findingsDocument() throws {
        let text = try String(contentsOf: repositoryURL.appendingPathComponent("docs/findings.md"), encoding: .utf8)
        let documented = tableRows(in: text)
        let registry = Dictionary(
            uniqueKeysWithValues: Finding.Code.all.map { ($0.code.rawValue, Set($0.severities.map(\.rawValue))) })
        #expect(documented == registry)
    }

    @Test("every other table of codes in docs/ agrees with the registry")
    func otherTables() throws {
        let registry = Dictionary(
            uniqueKeysWithValues: Finding.Code.all.map { ($0.code.rawValue, Set($0.severities.map(\.rawValue))) })
        let docs = repositoryURL.appendingPathComponent("docs")
        for name in try FileManager.default.contentsOfDirectory(atPath: docs.path)
        where name.hasSuffix(".md") && name != "findings.md" {
            let text = try String(contentsOf: docs.appendingPathComponent(name), encoding: .utf8)
            guard let header = text.range(of: "| code | severity |") else { continue }
            for (code, severities) in tableRows(in: String(text[header.lowerBound...])) {
                let known = try #require(registry[code], "\(name) lists \(code), which is not a finding code")
                #expect(severities.isSubset(of: known), "\(name): \(code) is \(severities), registry says \(known)")
            }
        }
    }

    @Test("README's list of codes is the registry's")
    func readmeList() throws {
        let text = try String(contentsOf: repositoryURL.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(text.range(of: "Finding codes are stable strings"))
        let end = try #require(text.range(of: "\n\n", range: start.upperBound..<text.endIndex))
        let paragraph = text[start.lowerBound..<end.lowerBound]
        let listed = paragraph.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map {
            String($0.element)
        }
        #expect(listed == Finding.Code.all.map(\.code.rawValue))
    }

    @Test("no code is declared outside the registry")
    func oneRegistry() throws {
        let sources = repositoryURL.appendingPathComponent("Sources")
        let enumerator = try #require(FileManager.default.enumerator(atPath: sources.path))
        for case let file as String in enumerator where file.hasSuffix(".swift") && !file.hasSuffix("FindingCode.swift")
        {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            #expect(!text.contains("extension Finding.Code {"), "\(file) declares finding codes")
        }
    }
}
