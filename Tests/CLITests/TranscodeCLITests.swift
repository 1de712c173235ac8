import Foundation
import TestSupport
import Testing
import WabaSandbox

/// Transcoding from the command line: `check` plans it, `prepare` and `send` do it, and a file sent
/// to the sandbox arrives as WhatsApp takes it.
@Suite(.serialized) struct TranscodeCLITests {
    static let contact = "c1d2e3f4-a5b6-7890-cdef-123456789012"
    static let key = "sk-transcode-0a1b2c3d"
    static let tone = ["-f", "lavfi", "-i", "sine=frequency=300:sample_rate=16000"]
    static let picture = ["-f", "lavfi", "-i", "testsrc=size=160x96:rate=15"]

    static func make(_ folder: URL, _ name: String, _ arguments: [String]) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try runTool("ffmpeg", ["-v", "error", "-nostdin", "-y"] + arguments + [path])
        return path
    }

    /// An animated WebP (which ffmpeg 5.1 cannot decode), made by libvips from a GIF.
    static func animatedWebP(_ folder: URL, _ name: String) throws -> String {
        let gif = try make(folder, name + ".gif", ["-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-t", "1"])
        let path = folder.appendingPathComponent(name).path
        try runTool("vips", ["copy", gif + "[n=-1]", path])
        return path
    }

    static func codecs(_ path: String) throws -> [String] {
        try runTool("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", path])
            .split(separator: "\n").map { String($0).trimmingCharacters(in: .whitespaces) }
    }

    @Test("check plans the transcode; prepare does it")
    func checkPlansAndPrepareDoes() throws {
        let folder = try makeTemporaryDirectory("wamedia-transcode")
        defer { try? FileManager.default.removeItem(at: folder) }
        let hevc = try Self.make(
            folder, "clip.mp4",
            Self.picture + Self.tone + ["-t", "2", "-c:v", "libx265", "-x265-params", "log-level=error", "-c:a", "aac"])

        let check = try wamedia("check", "--type", "video", "--format", "json", hevc)
        let report = try #require(try check.jsonLines().first)
        #expect(report["verdict"] as? String == "fixable", "\(report)")
        let steps = report["planned_steps"] as? [String] ?? []
        #expect(steps.first?.hasPrefix("transcode HEVC") == true, "\(steps)")
        #expect(steps.contains { $0.hasPrefix("expected size about") }, "\(steps)")

        let output = folder.appendingPathComponent("out").path
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let prepared = try wamedia("prepare", "--speed", "fast", "-o", output, hevc)
        #expect(prepared.status == 0, "\(prepared.standardError)")
        // Not a terminal: no progress bar in the output.
        #expect(!prepared.standardError.contains("transcoding"))
        #expect(try Self.codecs(output + "/clip.mp4") == ["h264", "aac"])
    }

    @Test("--audio-as chooses between a voice note and AAC")
    func audioAsChooses() throws {
        let folder = try makeTemporaryDirectory("wamedia-transcode")
        defer { try? FileManager.default.removeItem(at: folder) }
        let wav = try Self.make(folder, "memo.wav", Self.tone + ["-t", "2", "-c:a", "pcm_s16le"])
        let voice = try wamedia("prepare", "-o", folder.path, wav)
        #expect(voice.status == 0, "\(voice.standardError)")
        #expect(try Self.codecs(folder.appendingPathComponent("memo.ogg").path) == ["opus"])
        let music = folder.appendingPathComponent("memo.m4a").path
        let aac = try wamedia("prepare", "--audio-as", "audio", "-o", music, wav)
        #expect(aac.status == 0, "\(aac.standardError)")
        #expect(try Self.codecs(music) == ["aac"])
        let wrong = try wamedia("prepare", "--audio-as", "podcast", "-o", music, wav)
        #expect(wrong.status == 2)
    }

    @Test("without ffmpeg a file that needs a transcode is rejected with how to install it")
    func withoutFFmpeg() throws {
        let folder = try makeTemporaryDirectory("wamedia-transcode")
        defer { try? FileManager.default.removeItem(at: folder) }
        let wav = try Self.make(folder, "memo.wav", Self.tone + ["-t", "1", "-c:a", "pcm_s16le"])
        for arguments in [["check", wav], ["prepare", "-o", folder.path, wav]] {
            let run = try wamedia(arguments, environment: ["WAMEDIA_FFMPEG": ""])
            #expect(run.status == 1, "\(arguments[0]): \(run.status) \(run.standardError)")
            let text = run.standardOutput + run.standardError
            #expect(text.contains("ffmpeg-missing"), "\(arguments[0]): \(text)")
            #expect(text.contains("apt-get install ffmpeg"), "\(arguments[0]): \(text)")
        }
        let photo = sample("photo.jpg")
        #expect(try wamedia(["check", photo], environment: ["WAMEDIA_FFMPEG": ""]).status == 0)
    }

    @Test("prepare runs ffmpeg only for files it may transcode, never for an image")
    func imagesNeverStartFFmpeg() throws {
        let folder = try makeTemporaryDirectory("wamedia-transcode")
        defer { try? FileManager.default.removeItem(at: folder) }
        // An ffmpeg that notes each run, then is the real one.
        let runs = folder.appendingPathComponent("ffmpeg-runs.txt").path
        let noting = folder.appendingPathComponent("ffmpeg").path
        try "#!/bin/sh\necho \"$*\" >> '\(runs)'\nexec ffmpeg \"$@\"\n".write(
            toFile: noting, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: noting)
        let environment = ["WAMEDIA_FFMPEG": noting]
        let photo = sample("photo.jpg")
        for arguments in [
            ["prepare", "-o", folder.path, photo], ["prepare", "--strip-metadata", "-o", folder.path, photo],
        ] {
            let run = try wamedia(arguments, environment: environment)
            #expect(run.status == 0, "\(arguments): \(run.standardError)")
        }
        #expect(
            !FileManager.default.fileExists(atPath: runs),
            "\((try? String(contentsOfFile: runs, encoding: .utf8)) ?? "")")

        // The same ffmpeg is run for a file that needs a transcode: the note above can appear.
        let wav = try Self.make(folder, "memo.wav", Self.tone + ["-t", "1", "-c:a", "pcm_s16le"])
        let voice = try wamedia(["prepare", "-o", folder.path, wav], environment: environment)
        #expect(voice.status == 0, "\(voice.standardError)")
        #expect(try String(contentsOfFile: runs, encoding: .utf8).contains("-encoders"))
    }

    @Test("Ctrl-C stops ffmpeg and leaves no partial output behind")
    func interruptRemovesPartialOutput() throws {
        let folder = try makeTemporaryDirectory("wamedia-transcode")
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = try Self.make(
            folder, "long.mp4",
            [
                "-f", "lavfi", "-i", "testsrc=size=640x360:rate=25", "-t", "30", "-c:v", "libx264", "-preset",
                "ultrafast", "-pix_fmt", "yuv420p10le",
            ])
        let scratch = folder.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = executableURL
        process.arguments = ["prepare", "--speed", "best", "-o", folder.appendingPathComponent("out.mp4").path, input]
        process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": scratch.path]) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Wait until the transcode has written something, then interrupt it.
        let deadline = Date().addingTimeInterval(30)
        func partial() -> [String] {
            (FileManager.default.enumerator(atPath: scratch.path)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix(".mp4") }
        }
        while partial().isEmpty && Date() < deadline && process.isRunning { usleep(50_000) }
        #expect(!partial().isEmpty, "no transcode output appeared")
        kill(process.processIdentifier, SIGINT)
        let stop = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 10, execute: stop)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        stop.cancel()
        #expect(process.terminationStatus == 1, "\(message)")
        #expect(message.contains("interrupted"), "\(message)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out.mp4").path))
    }

    @Test("video, audio and animations are transcoded and sent to the sandbox")
    func sendEachKind() async throws {
        let folder = try makeTemporaryDirectory("wamedia-transcode")
        defer { try? FileManager.default.removeItem(at: folder) }
        let inputs: [(String, String, [String])] = [
            (
                try Self.make(
                    folder, "clip.webm",
                    Self.picture + Self.tone + ["-t", "2", "-c:v", "libvpx-vp9", "-c:a", "libopus"]),
                "video", ["h264", "aac"]
            ),
            (try Self.make(folder, "memo.flac", Self.tone + ["-t", "2", "-c:a", "flac"]), "audio", ["opus"]),
            (
                try Self.make(folder, "loop.gif", ["-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-t", "1"]),
                "video", ["h264"]
            ),
            (try Self.animatedWebP(folder, "sticker.webp"), "video", ["h264"]),
        ]
        let store = folder.appendingPathComponent("store").path
        let sandbox = try SandboxServer(configuration: SandboxConfiguration(apiKey: Self.key, storeDirectory: store))
        let url = try await sandbox.start()
        var stored: [String?] = []
        for (input, type, _) in inputs {
            let send = try await wamediaAsync(
                [
                    "send", "--type", type, "--channel", "chn_abc123", "--contact", Self.contact, "--base-url", url,
                    input,
                ], environment: ["WAMEDIA_API_KEY": Self.key])
            #expect(send.status == 0, "\(input): \(send.standardError)")
            stored.append(sandbox.receipts.last?.storedPath)
        }
        await sandbox.stop()
        for ((input, _, codecs), path) in zip(inputs, stored) {
            let path = try #require(path, "\(input) was not stored")
            #expect(try Self.codecs(path) == codecs, "\(input)")
        }
    }
}
