import Foundation
import TestSupport
import Testing
import WabaSandbox

/// Every command prepares through the same path: an option means the same in `prepare` (one file
/// and `--out`), `payload` and `send`; inputs and outputs that are not plain files are handled.
@Suite(.serialized) struct PreparationPathCLITests {
    static let contact = "c1d2e3f4-a5b6-7890-cdef-123456789012"
    static let key = "sk-path-0a1b2c3d"

    func hasEXIF(_ path: String) throws -> Bool {
        let run = try wamedia("inspect", "--format", "json", path)
        let object = try #require(try run.jsonLines().first)
        let image = try #require(object["image"] as? [String: Any], "\(path) is not an image: \(object)")
        return image["has_exif"] as? Bool ?? true
    }

    /// The image inside a JSON body that `payload` wrote, as a file.
    func media(inBody path: String, writingTo output: String) throws {
        let body = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
        let base64 = try #require((body as? [String: Any])?["media_data"] as? String)
        try #require(Data(base64Encoded: base64)).write(to: URL(fileURLWithPath: output))
    }

    @Test("--strip-metadata removes EXIF on every path: prepare, prepare --out, payload and send")
    func stripMetadataEverywhere() async throws {
        let folder = try makeTemporaryDirectory("wamedia-paths")
        defer { try? FileManager.default.removeItem(at: folder) }
        let photo = sample("photo.jpg")
        try #require(try hasEXIF(photo))

        let single = folder.appendingPathComponent("single.jpg").path
        let prepared = try wamedia("prepare", "--strip-metadata", "-o", single, photo)
        #expect(prepared.status == 0, "\(prepared.standardError)")
        #expect(try hasEXIF(single) == false)

        let bulk = folder.appendingPathComponent("bulk").path
        let campaign = try wamedia("prepare", "--strip-metadata", "--out", bulk, photo)
        #expect(campaign.status == 0, "\(campaign.standardError)")
        #expect(try hasEXIF(bulk + "/photo.jpg") == false)

        let body = folder.appendingPathComponent("body.json").path
        let payload = try wamedia(
            "payload", "--strip-metadata", "--channel", "chn_abc123", "--contact", Self.contact, "-o", body, photo)
        #expect(payload.status == 0, "\(payload.standardError)")
        let fromBody = folder.appendingPathComponent("from-body.jpg").path
        try media(inBody: body, writingTo: fromBody)
        #expect(try hasEXIF(fromBody) == false)

        let store = folder.appendingPathComponent("store").path
        let sandbox = try SandboxServer(configuration: SandboxConfiguration(apiKey: Self.key, storeDirectory: store))
        let url = try await sandbox.start()
        let send = try await Task.detached {
            try wamedia(
                "send", "--strip-metadata", "--channel", "chn_abc123", "--contact", Self.contact, "--base-url", url,
                photo, environment: ["WAMEDIA_API_KEY": Self.key])
        }.value
        let stored = sandbox.receipts.last?.storedPath
        await sandbox.stop()
        #expect(send.status == 0, "\(send.standardError)")
        #expect(try hasEXIF(try #require(stored)) == false)
    }

    @Test("a FIFO given to any command is refused at once with a clear message")
    func fifoIsRefusedEverywhere() throws {
        let folder = try makeTemporaryDirectory("wamedia-paths")
        defer { try? FileManager.default.removeItem(at: folder) }
        let fifo = folder.appendingPathComponent("pipe.jpg").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let message = ["--channel", "chn_abc123", "--contact", Self.contact]
        for arguments in [
            ["inspect", fifo], ["check", fifo], ["prepare", "-o", folder.path, fifo], ["payload"] + message + [fifo],
            ["send", "--dry-run"] + message + [fifo],
        ] {
            let started = Date()
            let run = try wamedia(arguments, timeLimit: 30)
            #expect(Date().timeIntervalSince(started) < 20, "\(arguments[0]) waited on the FIFO")
            #expect(run.status == 1, "\(arguments[0]): \(run.status) \(run.standardError)")
            #expect((run.standardOutput + run.standardError).contains("named pipe"), "\(arguments[0])")
        }
    }

    @Test("-o writes through a device and reports a full one; writes through a link; never over the input")
    func outputTargets() throws {
        let folder = try makeTemporaryDirectory("wamedia-paths")
        defer { try? FileManager.default.removeItem(at: folder) }
        let message = ["payload", "--channel", "chn_abc123", "--contact", Self.contact]

        let full = try wamedia(message + ["-o", "/dev/full", sample("invoice.pdf")])
        #expect(full.status == 1)
        #expect(full.standardError.contains("No space left on device"), "\(full.standardError)")
        var status = stat()
        #expect(stat("/dev/full", &status) == 0 && (status.st_mode & S_IFMT) == S_IFCHR, "/dev/full was replaced")

        let target = folder.appendingPathComponent("target.json").path
        let link = folder.appendingPathComponent("link.json").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let through = try wamedia(message + ["-o", link, sample("invoice.pdf")])
        #expect(through.status == 0, "\(through.standardError)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
        let body = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: target)))
        #expect((body as? [String: Any])?["media_type"] as? String == "document")

        let input = folder.appendingPathComponent("x.pdf").path
        try FileManager.default.copyItem(atPath: sample("invoice.pdf"), toPath: input)
        let before = try Data(contentsOf: URL(fileURLWithPath: input))
        for command in [message + ["-o", input, input], ["prepare", "-o", input, input]] {
            let run = try wamedia(command)
            #expect(run.status != 0, "\(command[0]) wrote over its input")
            #expect((run.standardOutput + run.standardError).contains("overwrite the input"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before)
        }
    }

    @Test("a file whose name is not UTF-8 is opened by its exact bytes")
    func nonUTF8Name() throws {
        let folder = try makeTemporaryDirectory("wamedia-paths")
        defer { try? FileManager.default.removeItem(at: folder) }
        // Python names the file and runs wamedia with the raw bytes: Swift strings cannot hold them.
        let script = """
            import os, shutil, subprocess, sys
            name = os.fsencode(sys.argv[2]) + b"/bad\\xff.jpg"
            shutil.copy(sys.argv[3], name)
            run = subprocess.run([sys.argv[1], "check", "--format", "json", name], capture_output=True, timeout=120)
            sys.stdout.write(run.stdout.decode("utf-8", "replace"))
            sys.stdout.write("\\nstatus %d\\n" % run.returncode)
            """
        let output = try runTool("python3", ["-c", script, executableURL.path, folder.path, sample("photo.jpg")])
        #expect(output.contains("status 0"), "\(output)")
        #expect(output.contains("\"verdict\":\"ok\""), "\(output)")
        #expect(!output.contains("no such file"))
    }
}
