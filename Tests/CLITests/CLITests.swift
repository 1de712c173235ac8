import Foundation
import TestSupport
import Testing

func sample(_ name: String) -> String { samplesURL.appendingPathComponent(name).path }

@Suite("wamedia command line")
struct CLITests {
    @Test("check --format json prints one object per file with the documented keys")
    func checkJSONShape() throws {
        let run = try wamedia(
            "check", "--format", "json", sample("photo.jpg"), sample("sticker.webp"), sample("invoice.pdf"))
        #expect(run.status == 0, "\(run.standardError)")
        let objects = try run.jsonLines()
        #expect(objects.count == 3)
        let summary = try #require(try run.allJSONLines().last)
        #expect(summary["summary"] as? Bool == true && summary["total"] as? Int == 3 && summary["ok"] as? Int == 2)
        for object in objects {
            for key in ["file", "media_type", "mime", "size", "verdict", "findings"] {
                #expect(object[key] != nil, "missing \(key) in \(object)")
            }
            let findings = try #require(object["findings"] as? [[String: Any]])
            for finding in findings {
                #expect(finding["code"] is String && finding["message"] is String && finding["hint"] is String)
            }
        }
        #expect(objects.map { $0["verdict"] as? String } == ["ok", "fixable", "ok"])
        #expect(
            objects.map { $0["file"] as? String } == [
                sample("photo.jpg"), sample("sticker.webp"), sample("invoice.pdf"),
            ])
        #expect(run.standardError.isEmpty)
    }

    @Test("check exits 1 when any file is rejected, and says why in the table")
    func checkRejected() throws {
        let run = try wamedia("check", "--type", "image", sample("photo.jpg"), sample("invoice.pdf"))
        #expect(run.status == 1)
        #expect(run.standardOutput.contains("rejected"))
        #expect(run.standardOutput.contains("mime-mismatch"))
        #expect(run.standardOutput.contains("hint:"))
    }

    @Test("check with every sample gives each its verdict")
    func checkSamples() throws {
        let names = [
            "clip.mp4", "invoice.pdf", "logo.png", "notes.txt", "photo.jpg", "report.docx", "scan.jpg", "sticker.webp",
            "tone.mp3", "truncated.jpg", "voice.ogg",
        ]
        let run = try wamedia(["check", "--format", "json"] + names.map(sample))
        #expect(run.status == 1)
        let verdicts = Dictionary(
            uniqueKeysWithValues: try run.jsonLines().map { ($0["file"] as! String, $0["verdict"] as! String) })
        #expect(verdicts[sample("truncated.jpg")] == "rejected")
        #expect(verdicts[sample("sticker.webp")] == "fixable")
        for name in names where !["truncated.jpg", "sticker.webp"].contains(name) {
            #expect(verdicts[sample(name)] == "ok", "\(name)")
        }
    }

    @Test(
        "usage errors exit 2 with a message on stderr",
        arguments: [
            ["check", "--type", "sticker", "samples/photo.jpg"], ["check"],
            ["check", "--profile", "nope", "samples/photo.jpg"],
            ["check", "--format", "xml", "samples/photo.jpg"], ["frobnicate"],
            ["check", "--jobs", "0", "samples/photo.jpg"],
        ])
    func usageErrors(arguments: [String]) throws {
        let run = try wamedia(arguments)
        #expect(run.status == 2, "\(arguments): \(run.standardError)")
        #expect(!run.standardError.isEmpty)
        #expect(run.standardOutput.isEmpty)
    }

    @Test("a missing file is rejected with a clear message and exit 1")
    func missingFile() throws {
        let run = try wamedia("check", "--format", "json", "samples/nope.jpg")
        #expect(run.status == 1)
        let object = try #require(try run.jsonLines().first)
        #expect(object["verdict"] as? String == "rejected")
        #expect(
            (object["findings"] as? [[String: Any]])?.first?["message"] as? String == "samples/nope.jpg: no such file")
    }

    @Test("inspect reports what the bytes are, whatever the name")
    func inspect() throws {
        let run = try wamedia("inspect", "--format", "json", sample("scan.jpg"), sample("logo.png"))
        #expect(run.status == 0)
        let objects = try run.jsonLines()
        #expect((objects[0]["detection"] as? [String: Any])?["mime"] as? String == "image/png")
        let image = try #require(objects[1]["image"] as? [String: Any])
        #expect(image["width"] as? Int == 400 && image["height"] as? Int == 300 && image["has_alpha"] as? Bool == true)

        let table = try wamedia("inspect", sample("scan.jpg"))
        #expect(table.standardOutput.contains("image/png"))
        #expect(table.standardOutput.contains("400×300"))
    }

    @Test("a profile given by path applies: the conservative profile rejects a .doc")
    func profileByPath() throws {
        let run = try wamedia(
            "check", "--format", "json", "--profile", "profiles/whatsapp-conservative.yaml", "--type", "document",
            sample("report.docx"))
        #expect(run.status == 0)
        let strict = try wamedia("check", "--profile", "whatsapp-conservative", "--type", "image", sample("photo.jpg"))
        #expect(strict.status == 0)
    }
}
