import Foundation
import TestSupport
import Testing

@testable import WabaMedia

@Suite("batches of local files")
struct LocalBatchTests {
    @Test("a generated folder of a few hundred files: every verdict right, in walk order, duplicates found")
    func folderVerdictsAndOrder() async throws {
        let generated = try GeneratedBatch.get()
        let run = try await wamediaAsync(["check", "--format", "json", generated.root.path])
        #expect(run.status == 1, "a batch with rejected files must exit 1: \(run.standardError)")
        let (assets, summary) = try run.assetsAndSummary()
        let order = try generated.walkOrder()
        #expect(order.count > 250)
        #expect(assets.map { $0["file"] as? String } == order)
        #expect(!assets.contains { ($0["file"] as? String)?.contains("/.") == true }, "hidden files were checked")

        var tally: [String: Int] = [:]
        var firstOfTemplate: [String: String] = [:]
        for asset in assets {
            let file = try #require(asset["file"] as? String)
            let template = GeneratedBatch.template(of: file)
            let verdict = try #require(asset["verdict"] as? String)
            #expect(verdict == generated.expectedVerdicts[template], "\(file): \(asset["findings"] ?? "")")
            tally[verdict, default: 0] += 1
            #expect((asset["sha256"] as? String)?.count == 64)
            if generated.sharedContent.contains(template) {
                if let first = firstOfTemplate[template] {
                    #expect(asset["duplicate_of"] as? String == first, "\(file)")
                } else {
                    firstOfTemplate[template] = file
                    #expect(asset["duplicate_of"] == nil, "\(file)")
                }
            } else if template != "empty.jpg" {
                #expect(asset["duplicate_of"] == nil, "\(file) has unique content")
            }
        }
        #expect(summary["total"] as? Int == assets.count)
        for verdict in ["ok", "fixable", "rejected"] {
            #expect(summary[verdict] as? Int == tally[verdict, default: 0], "\(verdict)")
        }
        let findings = try #require(summary["findings"] as? [String: Int])
        #expect(findings["duplicate"] == summary["duplicates"] as? Int)
        #expect(findings["empty"] == generated.batches)
        #expect(findings["needs-conversion"] ?? 0 >= generated.batches * 5)
    }

    @Test("the JUnit report parses as XML, with one test case per file and a failure per rejected one")
    func junitReport() async throws {
        let generated = try GeneratedBatch.get()
        let json = try await wamediaAsync(["check", "--format", "json", generated.root.path]).assetsAndSummary().1
        let rejected = try #require(json["rejected"] as? Int)
        let fixable = try #require(json["fixable"] as? Int)
        let total = try #require(json["total"] as? Int)

        let run = try await wamediaAsync(["check", "--format", "junit", generated.root.path])
        #expect(run.status == 1)
        let report = try JUnitSummary.parse(run.standardOutput)
        #expect(report.testCases.count == total)
        #expect(report.failures.count == rejected)
        #expect(report.suiteTests == total && report.suiteFailures == rejected)

        let strict = try await wamediaAsync(["check", "--format", "junit", "--fail-on", "fixable", generated.root.path])
        #expect(strict.status == 1)
        #expect(try JUnitSummary.parse(strict.standardOutput).failures.count == rejected + fixable)
    }

    @Test("JUnit escapes markup and drops characters XML cannot hold")
    func junitEscaping() async throws {
        let text = "a<b>&\"c\" 'd' \u{1}\u{8}e\u{1B}"
        let escaped = JUnitXML.escape(text)
        #expect(escaped == "a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos; \u{FFFD}\u{FFFD}e\u{FFFD}")
        let inspection = Inspection(
            file: "we<ird>&\u{2}name.jpg", size: 1, detection: Detection(mime: "image/jpeg", libmagicMIME: "image/jpeg")
        )
        let report = ValidationReport(
            inspection: inspection, mediaType: .image,
            findings: [Finding(.unreadable, .rejected, message: "bad <data> & \"more\"", hint: "x\u{0}y")],
            effectiveMIME: "image/jpeg")
        let junit = JUnitReport()
        var summary = BatchSummary()
        let result = BatchResult(index: 0, origin: "list.csv:2 <&>", report: report)
        summary.add(result)
        let xml = junit.opening(summary: summary) + junit.testCase(for: result) + junit.closing
        let parsed = try JUnitSummary.parse(xml)
        #expect(parsed.testCases == ["list.csv:2 <&>"])
        #expect(parsed.failures.count == 1)
    }

    @Test("exit status: 0 without rejected files, 1 with fixable ones under --fail-on fixable")
    func exitStatus() async throws {
        let folder = try makeTemporaryDirectory("wamedia-exit")
        try FileManager.default.copyItem(at: sample("photo.jpg"), to: folder.appendingPathComponent("a.jpg"))
        try FileManager.default.copyItem(at: sample("invoice.pdf"), to: folder.appendingPathComponent("b.pdf"))
        #expect(try await wamediaAsync(["check", folder.path]).status == 0)
        try FileManager.default.copyItem(at: sample("sticker.webp"), to: folder.appendingPathComponent("c.webp"))
        #expect(try await wamediaAsync(["check", "--format", "json", folder.path]).status == 0)
        #expect(try await wamediaAsync(["check", "--fail-on", "fixable", folder.path]).status == 1)
        try FileManager.default.copyItem(at: sample("truncated.jpg"), to: folder.appendingPathComponent("d.jpg"))
        let run = try await wamediaAsync(["check", folder.path])
        #expect(run.status == 1)
        #expect(run.standardOutput.contains("4 files: 2 ok, 1 fixable, 1 rejected"), "\(run.standardOutput)")
        #expect(run.standardOutput.contains("hint:"))
    }

    @Test("glob patterns expand; a pattern matching nothing and a missing path are rejected, not skipped")
    func globsAndMissing() async throws {
        let folder = try makeTemporaryDirectory("wamedia-glob")
        for name in ["a.jpg", "b.jpg", "c.pdf", ".hidden.jpg"] {
            try FileManager.default.copyItem(
                at: sample(name.hasSuffix("pdf") ? "invoice.pdf" : "photo.jpg"), to: folder.appendingPathComponent(name)
            )
        }
        let run = try await wamediaAsync([
            "check", "--format", "json", folder.path + "/*.jpg", folder.path + "/*.gif", folder.path + "/nope.png",
        ])
        #expect(run.status == 1)
        let (assets, _) = try run.assetsAndSummary()
        #expect(
            assets.map { $0["file"] as? String } == [
                folder.path + "/a.jpg", folder.path + "/b.jpg", folder.path + "/*.gif", folder.path + "/nope.png",
            ])
        #expect(assets.map { $0["verdict"] as? String } == ["ok", "ok", "rejected", "rejected"])
        let codes = assets.map { ($0["findings"] as? [[String: Any]])?.first?["code"] as? String }
        #expect(codes[2] == "input" && codes[3] == "unreadable")
    }

    @Test("the folder walker skips hidden entries, sorts names and reports an unreadable folder")
    func folderWalker() async throws {
        let folder = try makeTemporaryDirectory("wamedia-walk")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("b/c"), withIntermediateDirectories: true)
        for path in ["z.txt", "a.txt", "b/c/x.txt", "b/.y.txt", ".git/config"] {
            let url = folder.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("x".utf8).write(to: url)
        }
        // A link back up the tree must not be walked forever.
        try FileManager.default.createSymbolicLink(
            at: folder.appendingPathComponent("b/c/up"), withDestinationURL: folder)
        let inputs = try BatchInputs([.path(folder.path), .path(folder.path + "/missing-folder/")])
        let entries = Array(AnySequence { inputs })
        let origins = entries.map(\.origin)
        #expect(
            origins == [
                folder.path + "/a.txt", folder.path + "/b/c/x.txt", folder.path + "/z.txt",
                folder.path + "/missing-folder/",
            ])
    }
}

@Suite("batch manifests")
struct ManifestTests {
    @Test("a CSV manifest: relative paths, quoted fields, and malformed rows reported with their line")
    func csvManifest() async throws {
        let folder = try makeTemporaryDirectory("wamedia-manifest")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("media"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: sample("photo.jpg"), to: folder.appendingPathComponent("media/photo.jpg"))
        try FileManager.default.copyItem(at: sample("invoice.pdf"), to: folder.appendingPathComponent("invoice.pdf"))
        let longCaption = String(repeating: "x", count: 1100)
        let manifest = #"""
            \#u{FEFF}media,media_type,caption,file_name\#r
            media/photo.jpg,image,"Hello, world",\#r
            invoice.pdf,document,"Line one
            line two ""quoted""",Invoice.pdf
            media/photo.jpg,sticker,,
            media/photo.jpg,image,too,many,fields
            ,image,,
            media/photo.jpg,image,\#(longCaption),

            invoice.pdf,document,,Invoice.docx
            "unterminated,image,,
            """#
        let path = folder.appendingPathComponent("generated.csv").path
        try manifest.write(toFile: path, atomically: true, encoding: .utf8)

        let run = try await wamediaAsync(["check", "--format", "json", "--manifest", path], in: folder)
        #expect(run.status == 1)
        let (assets, summary) = try run.assetsAndSummary()
        let sources = assets.map { $0["source"] as? String }
        #expect(sources == [2, 3, 5, 6, 7, 8, 10, 11].map { "\(path):\($0)" })
        #expect(
            assets.map { $0["verdict"] as? String } == [
                "ok", "ok", "rejected", "rejected", "rejected", "rejected", "fixable", "rejected",
            ])
        func codes(_ index: Int) -> [String] {
            ((assets[index]["findings"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String }
        }
        #expect(assets[0]["file"] as? String == folder.path + "/media/photo.jpg")
        #expect(codes(2) == ["manifest-row"] && codes(3) == ["manifest-row"] && codes(4) == ["manifest-row"])
        #expect(codes(5).contains("caption-too-long") && codes(5).contains("duplicate"))
        #expect(codes(6).contains("extension-mismatch") && !codes(6).contains("caption-too-long"))
        #expect(codes(7) == ["manifest-row"])
        let message = ((assets[2]["findings"] as? [[String: Any]])?.first?["message"] as? String) ?? ""
        #expect(message.contains(":5:") && message.contains("sticker"), "\(message)")
        let fieldMessage = ((assets[3]["findings"] as? [[String: Any]])?.first?["message"] as? String) ?? ""
        #expect(fieldMessage.contains("5 fields") && fieldMessage.contains("header has 4"), "\(fieldMessage)")
        #expect(summary["total"] as? Int == 8)
    }

    @Test("a JSON Lines manifest: bad lines are rejected rows, the rest are checked in order")
    func jsonLinesManifest() async throws {
        let folder = try makeTemporaryDirectory("wamedia-jsonl")
        try FileManager.default.copyItem(at: sample("photo.jpg"), to: folder.appendingPathComponent("photo.jpg"))
        try FileManager.default.copyItem(at: sample("tone.mp3"), to: folder.appendingPathComponent("tone.mp3"))
        let manifest = """
            {"media": "photo.jpg", "media_type": "image", "caption": "hi"}
            {"media": "tone.mp3", "media_type": "audio", "caption": "ignored"}
            {"media": "photo.jpg", "media_type": 3}
            not json at all
            ["media", "photo.jpg"]

            {"media_type": "image"}
            {"media": "ftp://example.com/a.jpg"}
            {"media": "tone.mp3"}
            """
        let path = folder.appendingPathComponent("generated.jsonl").path
        try manifest.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try await wamediaAsync(["check", "--format", "json", "--manifest", path])
        let (assets, _) = try run.assetsAndSummary()
        #expect(assets.map { $0["source"] as? String } == [1, 2, 3, 4, 5, 7, 8, 9].map { "\(path):\($0)" })
        #expect(
            assets.map { $0["verdict"] as? String } == [
                "ok", "ok", "rejected", "rejected", "rejected", "rejected", "rejected", "ok",
            ])
        #expect(assets[1]["media_type"] as? String == "audio")
        #expect(assets[7]["media_type"] as? String == "audio", "inferred from the content")
        #expect(run.status == 1)
    }

    @Test("a manifest without a media column, or of unknown format, is a usage error")
    func manifestHeaderErrors() async throws {
        let folder = try makeTemporaryDirectory("wamedia-bad-manifest")
        let csv = folder.appendingPathComponent("list.csv").path
        try "path_to_file,kind\nphoto.jpg,image\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let run = try await wamediaAsync(["check", "--manifest", csv])
        #expect(run.status == 2)
        #expect(run.standardError.contains("no 'media' column"), "\(run.standardError)")
        let text = folder.appendingPathComponent("list.txt").path
        try "media\nphoto.jpg\n".write(toFile: text, atomically: true, encoding: .utf8)
        let unknown = try await wamediaAsync(["check", "--manifest", text])
        #expect(unknown.status == 2 && unknown.standardError.contains("--manifest-format"))
        #expect(try await wamediaAsync(["check", "--manifest", text, "--manifest-format", "csv"]).status == 1)
    }
}

@Suite("prepare in bulk")
struct BulkPrepareTests {
    @Test("prepare --out writes ok and fixable assets, once per content, and a manifest that checks clean")
    func bulkPrepare() async throws {
        let input = try makeTemporaryDirectory("wamedia-bulk-in")
        let out = try makeTemporaryDirectory("wamedia-bulk-out").appendingPathComponent("ready")
        try FileManager.default.createDirectory(
            at: input.appendingPathComponent("b"), withIntermediateDirectories: true)
        for (source, name) in [
            ("photo.jpg", "photo.jpg"), ("sticker.webp", "sticker.webp"), ("invoice.pdf", "invoice.pdf"),
            ("truncated.jpg", "truncated.jpg"), ("photo.jpg", "b/photo.jpg"), ("invoice.pdf", "b/invoice.doc"),
            ("clip.mp4", "clip.mp4"),
        ] {
            try FileManager.default.copyItem(at: sample(source), to: input.appendingPathComponent(name))
        }
        let run = try await wamediaAsync(["prepare", "--format", "json", "--out", out.path, input.path])
        #expect(run.status == 1, "a rejected asset fails the run: \(run.standardError)")
        let assets = try run.allJSONLines()
        #expect(assets.count == 7)
        let byOrigin = Dictionary(uniqueKeysWithValues: assets.map { ($0["source"] as! String, $0) })
        func origin(_ name: String) -> String { input.appendingPathComponent(name).path }
        #expect(byOrigin[origin("sticker.webp")]?["output"] as? String == "sticker.jpg")
        #expect(byOrigin[origin("sticker.webp")]?["action"] as? String == "transformed")
        #expect(byOrigin[origin("truncated.jpg")]?["output"] == nil)
        // The walk visits b/ first: its files are the first of their contents.
        #expect(byOrigin[origin("photo.jpg")]?["action"] as? String == "shared")
        #expect(byOrigin[origin("photo.jpg")]?["output"] as? String == "photo.jpg")
        #expect(byOrigin[origin("invoice.pdf")]?["duplicate_of"] as? String == origin("b/invoice.doc"))
        #expect(byOrigin[origin("b/invoice.doc")]?["output"] as? String == "invoice.pdf", "named after its content")

        let written = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(written == ["clip.mp4", "invoice.pdf", "manifest.jsonl", "photo.jpg", "sticker.jpg"])
        let rows = try String(contentsOf: out.appendingPathComponent("manifest.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        #expect(rows.count == 6, "every asset but the rejected one")

        let recheck = try await wamediaAsync([
            "check", "--format", "json", "--manifest", out.appendingPathComponent("manifest.jsonl").path,
        ])
        #expect(recheck.status == 0, "\(recheck.standardOutput)")
        let (_, summary) = try recheck.assetsAndSummary()
        #expect(summary["fixable"] as? Int == 0 && summary["rejected"] as? Int == 0 && summary["total"] as? Int == 6)
    }
}
