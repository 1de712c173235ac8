import Foundation
import TestSupport
import Testing
import WabaSandbox

/// `check` is what `send` does: over sendable, fixable and broken files alike, `ok` and `fixable`
/// mean `send` delivers one message, `rejected` means it sends nothing, and every run agrees.
@Suite("check and send agree, run after run", .serialized)
struct CheckSendAgreementCLITests {
    static let contact = "c1d2e3f4-a5b6-7890-cdef-123456789012"
    static let key = "sk-agreement-5e6f7a8b"
    static let runs = 3

    /// The bundled samples, and files generated here that are fixable or broken in ways only a
    /// decoder sees.
    static func files() throws -> [String] {
        let folder = try makeTemporaryDirectory("wamedia-agreement")
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        func ffmpeg(_ arguments: [String]) throws { _ = try runTool("ffmpeg", ["-v", "error", "-y"] + arguments) }
        func cut(_ source: String, to count: Int, as name: String) throws -> String {
            try Data(contentsOf: URL(fileURLWithPath: source)).prefix(count).write(to: URL(fileURLWithPath: path(name)))
            return path(name)
        }
        try ffmpeg(["-f", "lavfi", "-i", "sine=d=0.002:r=8000", "-c:a", "pcm_s16le", path("blip.wav")])
        try ffmpeg(["-f", "lavfi", "-i", "sine=d=1", "-c:a", "pcm_s16le", path("memo.wav")])
        try ffmpeg(["-f", "lavfi", "-i", "sine=d=1", "-c:a", "flac", path("memo.flac")])
        try ffmpeg([
            "-f", "lavfi", "-i", "sine=d=0.5", "-c:a", "libmp3lame", "-b:a", "128k", "-write_xing", "0",
            "-id3v2_version", "0", path("tune.mp3"),
        ])
        try ffmpeg(["-f", "lavfi", "-i", "sine=d=1", "-ac", "2", "-c:a", "libopus", path("stereo.ogg")])
        try ffmpeg(["-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac", path("late-index.m4a")])
        return [
            sample("invoice.pdf"), sample("logo.png"), sample("photo.jpg"), sample("sticker.webp"),
            sample("truncated.jpg"), sample("tone.mp3"), sample("voice.ogg"), sample("clip.mp4"),
            path("blip.wav"), path("memo.wav"), path("memo.flac"), path("stereo.ogg"), path("late-index.m4a"),
            try cut(path("memo.flac"), to: 200, as: "stub.flac"),
            try cut(path("tune.mp3"), to: 417, as: "one-frame.mp3"),
            try cut(path("late-index.m4a"), to: 4_000, as: "cut.m4a"),
        ]
    }

    @Test("check's verdict says whether send delivers, for every file, three times")
    func checkAndSendAgree() async throws {
        let files = try Self.files()
        let sandbox = try SandboxServer(configuration: SandboxConfiguration(apiKey: Self.key))
        let url = try await sandbox.start()
        do {
            var verdicts: [String: String] = [:]
            for round in 1...Self.runs {
                for file in files {
                    let name = URL(fileURLWithPath: file).lastPathComponent
                    let check = try await offThePool { try wamedia("check", "--format", "json", file) }
                    let verdict = try #require(try check.jsonLines().first?["verdict"] as? String, "\(name)")
                    if let earlier = verdicts[file] {
                        #expect(verdict == earlier, "\(name): \(earlier), then \(verdict) in round \(round)")
                    }
                    verdicts[file] = verdict
                    #expect(check.status == (verdict == "rejected" ? 1 : 0), "\(name): \(check.standardError)")

                    let before = await sandbox.counts().accepted
                    let send = try await offThePool {
                        try wamedia(
                            "send", "--channel", "chn_agree", "--contact", Self.contact, "--base-url", url, file,
                            environment: ["WAMEDIA_API_KEY": Self.key])
                    }
                    let delivered = await sandbox.counts().accepted - before
                    if verdict == "rejected" {
                        #expect(
                            send.status == 1 && delivered == 0, "\(name): check rejects it, send: \(send.standardError)"
                        )
                    } else {
                        #expect(
                            send.status == 0 && delivered == 1,
                            "\(name): check says \(verdict), send: \(send.status) \(send.standardError)")
                    }
                }
            }
            // The files cover every verdict.
            #expect(Set(verdicts.values) == ["ok", "fixable", "rejected"], "\(verdicts)")
        } catch {
            await sandbox.stop()
            throw error
        }
        await sandbox.stop()
    }
}
