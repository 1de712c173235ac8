import Foundation
import TestSupport
import Testing
import WabaMedia

@testable import WabaClient

/// The API key is taken out of what a server says, as whole occurrences only, and wamedia's own
/// words are never touched, however short the key.
@Suite("the API key in a server's answer", .serialized)
struct KeyRedactionTests {
    @Test(
        "whole occurrences are replaced, the key inside other words is not",
        arguments: [
            (
                "ch", "check the channel: key ch is invalid (ch)",
                "check the channel: key [API key] is invalid ([API key])"
            ),
            ("the", "the key the is not one of theirs", "[API key] key [API key] is not one of theirs"),
            (
                "sk-1234", "bad key \"sk-1234\"; sk-12345 and xsk-1234 are others",
                "bad key \"[API key]\"; sk-12345 and xsk-1234 are others"
            ),
            ("k_1", "k_1.k_1,k_1\nk_1é", "[API key].[API key],[API key]\n[API key]é"),
            ("ab", "", ""),
        ])
    func wholeOccurrences(key: String, text: String, expected: String) {
        #expect(KeyRedaction(key: key).apply(to: text) == expected)
    }

    /// The error of one send with `key` to a loopback server that answers `status` with `body`.
    static func refusal(key: String, status: Int, contentType: String, body: String) async throws -> SendMediaError {
        let server = try SilentServer { _ in
            "HTTP/1.1 \(status) Refused\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        }
        defer { server.stop() }
        let client = try SendMediaClient(configuration: .init(baseURL: server.baseURL, apiKey: key))
        let payload = try SendMediaPayload(
            SendMediaRequest(
                channelID: "chn_a", contactID: contact, mediaType: .image,
                mediaData: .url("https://cdn.example.com/a.jpg")))
        do {
            _ = try await client.send(payload)
            try await client.shutdown()
            throw FixtureError("a \(status) must fail the send")
        } catch let error as SendMediaError {
            try await client.shutdown()
            return error
        }
    }

    @Test(
        "a short key is taken out of the server's message and wamedia's own words stay whole",
        arguments: [
            (404, "ch", "no contact ch: check the channel", "no contact [API key]: check the channel"),
            (
                401, "the", "the key the is not valid for the channel",
                "[API key] key [API key] is not valid for [API key] channel"
            ),
            (400, "an", "an invalid channel", "[API key] invalid channel"),
        ])
    func shortKeyEndToEnd(status: Int, key: String, said: String, redacted: String) async throws {
        let error = try await Self.refusal(
            key: key, status: status, contentType: "application/json",
            body: #"{"success": false, "message": "\#(said)"}"#)
        let own = SendMediaError.status(status, serverMessage: redacted)
        #expect(error.serverMessage == redacted)
        // The message and hint are wamedia's own, exactly as they read for any key.
        #expect(error.message == own.message, "\(error.message)")
        #expect(error.hint == own.hint, "\(error.hint)")
        #expect(error.message.hasSuffix(": " + redacted))
        #expect(!error.message.dropLast(redacted.count).contains("[API key]") && !error.hint.contains("[API key]"))
    }

    @Test("a key echoed at the 500-character cut of a raw body leaves no part of it behind")
    func keyAtTheCut() async throws {
        let key = "sk-cut-0123456789"
        let filler = String(repeating: "x", count: 495)
        let error = try await Self.refusal(
            key: key, status: 500, contentType: "text/plain", body: "\(filler) \(key) trailing")
        let quoted = error.serverMessage ?? ""
        #expect(quoted.hasPrefix(filler + " [API"), "\(quoted.suffix(20))")
        #expect(!quoted.contains("sk-"), "no part of the key may be left at the cut")
    }
}
