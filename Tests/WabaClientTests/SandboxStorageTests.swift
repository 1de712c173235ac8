import AsyncHTTPClient
import Foundation
import NIOCore
import TestSupport
import Testing
import WabaClient
import WabaMedia

@testable import WabaSandbox

/// The sandbox keeps uploads under names of its own making: a client's `file_name` cannot take the
/// place of the sandbox's metadata or leave the message's folder, and no answer shows a local path.
@Suite("sandbox upload storage", .serialized)
struct SandboxStorageTests {
    static func get(_ url: String) async throws -> (status: Int, body: [UInt8], policy: String?) {
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        defer { _ = http.shutdown() }
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        return (
            Int(response.status.code), Array(body.readableBytesView),
            response.headers.first(name: "Content-Security-Policy")
        )
    }

    @Test(
        "a file_name equal to the sandbox's own files, or leading out of the folder, leaves the metadata intact",
        arguments: ["request.json", "upload.part", "../x", "../../request.json", "./request.json", "media", ".."])
    func hostileFileName(fileName: String) async throws {
        try await Harness.with { harness in
            let original = try Data(contentsOf: URL(fileURLWithPath: sample("logo.png")))
            let payload = try SendMediaPayload(
                SendMediaRequest(
                    channelID: "chn_abc123", contactID: contact, mediaType: .image,
                    mediaData: .file(path: sample("logo.png")), fileName: fileName))
            let result = try await harness.client.send(payload)
            let folder = harness.store.appendingPathComponent(result.messageID)

            // The metadata is the sandbox's, whole, and names the client's file_name as given.
            let metadata = try Data(contentsOf: folder.appendingPathComponent("request.json"))
            let receipt = try JSONDecoder().decode(SandboxReceipt.self, from: metadata)
            #expect(receipt.messageID == result.messageID)
            #expect(receipt.fileName == fileName)
            #expect(receipt.status == 200)

            // The upload is kept in the message's folder under a generated name, and nothing else is there.
            let stored = try #require(receipt.storedPath)
            #expect(URL(fileURLWithPath: stored).deletingLastPathComponent().path == folder.path)
            let name = URL(fileURLWithPath: stored).lastPathComponent
            #expect(StoredUpload.isUploadName(name) && !StoredUpload.reservedNames.contains(name), "\(name)")
            let contents = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            #expect(contents == [name, "request.json"].sorted(), "\(contents)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: stored)) == original)
            // Nothing was written beside the message's folder.
            let beside = try FileManager.default.contentsOfDirectory(atPath: harness.store.path)
            #expect(beside.allSatisfy { $0.hasPrefix("msg-") }, "\(beside)")

            // The media URL serves the uploaded bytes; the metadata is served by no URL.
            #expect(result.mediaURL == "\(harness.baseURL)/media/\(result.messageID)/\(name)")
            let media = try await Self.get(result.mediaURL)
            #expect(media.status == 200)
            #expect(media.body == Array(original))
            #expect(media.policy?.hasPrefix("sandbox") == true, "an upload opened alone runs no script")
            for other in ["request.json", "upload.part", ".", "..", "%2e%2e%2frequest.json"] {
                let answer = try await Self.get("\(harness.baseURL)/media/\(result.messageID)/\(other)")
                #expect(answer.status == 404, "\(other): \(answer.status)")
                #expect(!String(decoding: answer.body, as: UTF8.self).contains(harness.store.path))
            }
            let accepted = try await Self.get(harness.baseURL + "/sandbox/accepted")
            #expect(!String(decoding: accepted.body, as: UTF8.self).contains(harness.store.path))
            #expect(!"\(result)".contains(harness.store.path))
        }
    }

    @Test("a refused upload's answer names no local path")
    func refusedUploadShowsNoPath() async throws {
        try await Harness.with { harness in
            let folder = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: folder) }
            // A PNG cut short: the sandbox refuses it after storing and checking it.
            let whole = try Data(contentsOf: URL(fileURLWithPath: sample("logo.png")))
            let cut = folder.appendingPathComponent("cut.png")
            try whole.prefix(whole.count / 2).write(to: cut)
            let payload = try SendMediaPayload(
                SendMediaRequest(
                    channelID: "chn_abc123", contactID: contact, mediaType: .image, mediaData: .file(path: cut.path),
                    fileName: "request.json"))
            do {
                _ = try await harness.client.send(payload)
                Issue.record("a PNG cut in half must be refused")
            } catch let error as SendMediaError {
                #expect(error.status == 400, "\(error)")
                let said = "\(error.message) \(error.serverMessage ?? "")"
                #expect(!said.contains(harness.store.path), "\(said)")
                #expect(!said.contains(NSTemporaryDirectory()), "\(said)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test("generated names: the client's plain extension, never a reserved name")
    func generatedNames() {
        #expect(StoredUpload.name(for: "Holiday Photo.JPG") == "media.jpg")
        #expect(StoredUpload.name(for: "request.json") == "media.json")
        #expect(StoredUpload.name(for: "upload.part") == "media.part")
        #expect(StoredUpload.name(for: "../x") == "media")
        #expect(StoredUpload.name(for: "a.tar/../../etc") == "media")
        #expect(StoredUpload.name(for: "x.j\u{301}pg") == "media")
        #expect(StoredUpload.name(for: nil) == "media")
        for name in ["request.json", "upload.part", "media.JPG", "x.jpg", ".media", "media.", "media.a/b"] {
            #expect(!StoredUpload.isUploadName(name), "\(name)")
        }
        for reserved in StoredUpload.reservedNames {
            #expect(StoredUpload.name(for: reserved) != reserved)
        }
    }
}
