import AsyncHTTPClient
import Foundation
import TestSupport
import Testing
import WabaClient
import WabaMedia

@testable import WabaSandbox

/// The sandbox's inbox shows a received video's poster frame and a received audio file's duration
/// and level, made from the kept upload.
@Suite("sandbox inbox previews", .serialized)
struct InboxPreviewTests {
    /// The inbox page, and its policy.
    static func page(_ baseURL: String) async throws -> (html: String, policy: String?) {
        let answer = try await SandboxStorageTests.get(baseURL + "/")
        #expect(answer.status == 200)
        return (String(decoding: answer.body, as: UTF8.self), answer.policy)
    }

    /// The bubble of message `id` in `html`.
    static func bubble(_ id: String, in html: String) throws -> String {
        let start = try #require(html.range(of: "data-message-id=\"\(id)\""), "\(id) not in the page")
        let end = try #require(html.range(of: "</li>", range: start.upperBound..<html.endIndex))
        return String(html[start.upperBound..<end.lowerBound])
    }

    static func send(_ harness: Harness, _ path: String, as type: MediaType) async throws -> String {
        let payload = try SendMediaPayload(
            SendMediaRequest(
                channelID: "chn_abc123", contactID: contact, mediaType: type, mediaData: .file(path: path),
                fileName: URL(fileURLWithPath: path).lastPathComponent))
        return try await harness.client.send(payload).messageID
    }

    @Test("a video's bubble has a 160 px JPEG poster, an audio's its duration and level bar, allowed by the policy")
    func videoPosterAndAudioLevel() async throws {
        let folder = try makeTemporaryDirectory("wamedia-inbox-previews")
        defer { try? FileManager.default.removeItem(at: folder) }
        let clip = folder.appendingPathComponent("clip.mp4")
        let tone = folder.appendingPathComponent("tone.mp3")
        try PreviewFixtures.clip(at: clip)
        try PreviewFixtures.tone(at: tone)
        try await Harness.with { harness in
            let video = try await Self.send(harness, clip.path, as: .video)
            let audio = try await Self.send(harness, tone.path, as: .audio)
            let (html, policy) = try await Self.page(harness.baseURL)

            let videoBubble = try Self.bubble(video, in: html)
            #expect(videoBubble.contains("<video class=\"media\" src=\"/media/\(video)/"), "\(videoBubble)")
            let poster = try #require(
                PreviewFixtures.jpeg(after: "controls preload=\"metadata\" poster=\"", in: videoBubble),
                "\(videoBubble)")
            let size = try PreviewFixtures.decodedSize(ofJPEG: poster)
            #expect(size.width == 160 && size.height == 120, "\(size)")
            #expect(!videoBubble.contains("preview-note"))

            let audioBubble = try Self.bubble(audio, in: html)
            #expect(audioBubble.contains("<span class=\"duration\">0:02</span>"), "\(audioBubble)")
            let levels = try #require(PreviewFixtures.levels(in: audioBubble), "\(audioBubble)")
            #expect((-24.0 ... -19.0).contains(levels.mean) && (-20.5 ... -17.0).contains(levels.peak), "\(levels)")

            // The poster is a data: URI the page's policy lets through, and nothing else is newly allowed.
            let directives = Set((policy ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) })
            #expect(directives.contains("img-src 'self' data:"), "\(policy ?? "no policy")")
            #expect(directives.contains("default-src 'none'") && directives.contains("media-src 'self'"))
        }
    }

    @Test("a received video ffmpeg cannot decode has no poster and a note saying so")
    func undecodableVideo() async throws {
        let folder = try makeTemporaryDirectory("wamedia-inbox-previews")
        defer { try? FileManager.default.removeItem(at: folder) }
        let zeros = folder.appendingPathComponent("zeros.mp4")
        try PreviewFixtures.undecodableClip(at: zeros)
        try await Harness.with { harness in
            let video = try await Self.send(harness, zeros.path, as: .video)
            let bubble = try Self.bubble(video, in: try await Self.page(harness.baseURL).html)
            #expect(bubble.contains("<video class=\"media\" src=\"/media/\(video)/"), "\(bubble)")
            #expect(!bubble.contains("poster="), "\(bubble)")
            #expect(
                bubble.contains(
                    "<p class=\"hint preview-note\">No poster frame: ffmpeg could not decode a picture of this video</p>"
                ),
                "\(bubble)")
        }
    }
}
