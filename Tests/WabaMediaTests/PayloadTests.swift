import Foundation
import TestSupport
import Testing
import WabaEncoding
import WabaMedia

@Suite struct PayloadTests {
    static let contact = "c1d2e3f4-a5b6-7890-cdef-123456789012"

    func request(_ data: MediaData, content: String? = nil, fileName: String? = nil) -> SendMediaRequest {
        SendMediaRequest(
            channelID: "chn_abc123", contactID: Self.contact, mediaType: .document, mediaData: data, content: content,
            fileName: fileName)
    }

    func object(_ body: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
    }

    @Test func base64OfManyRandomSizesEqualsFoundations() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wamedia-b64-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var generator = SystemRandomNumberGenerator()
        let sizes =
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 9_998, 9_999, 10_000] + (0..<120).map { _ in Int.random(in: 0...10_000) }
        for size in sizes {
            let bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let expected = Data(bytes).base64EncodedString()
            #expect(String(decoding: Base64Encoder.encode(bytes), as: UTF8.self) == expected, "size \(size)")

            // Through the streamed body, with chunks that split the input at odd places.
            let path = directory.appendingPathComponent("\(size).bin").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let payload = try SendMediaPayload(request(.file(path: path)))
            var reader = payload.makeReader(chunkSize: [3, 21, 3 * 1024].randomElement()!)
            var body: [UInt8] = []
            while let chunk = try reader.next() { body += chunk }
            #expect(body.count == payload.contentLength, "size \(size)")
            #expect(try object(body)["media_data"] as? String == expected, "size \(size)")
        }
    }

    @Test func largeFileStreamsInBoundedChunksWithTheExactLength() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wamedia-large-\(UUID()).bin").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bytes = (0..<3_000_001).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let payload = try SendMediaPayload(request(.file(path: path)))
        var reader = payload.makeReader()
        var body: [UInt8] = []
        var largest = 0
        while let chunk = try reader.next() {
            largest = max(largest, chunk.count)
            body += chunk
        }
        #expect(largest <= Base64Encoder.encodedLength(of: SendMediaPayload.defaultChunkSize))
        #expect(body.count == payload.contentLength)
        #expect(try object(body)["media_data"] as? String == Data(bytes).base64EncodedString())
    }

    @Test func smallFieldsSurviveEscaping() throws {
        let tricky =
            "quote \" backslash \\ slash / newline \n tab \t nul \u{0} bell \u{7} unit \u{1F} é 文 📄 \u{2028} end"
        let body = try SendMediaPayload(
            SendMediaRequest(
                mediaType: .image, mediaData: .bytes([1, 2, 3]), content: tricky, fileName: "a\"b.pdf",
                threadID: "thr-1", saveMessage: false)
        ).makeBody()
        let json = try object(body)
        #expect(json["content"] as? String == tricky)
        #expect(json["file_name"] as? String == "a\"b.pdf")
        #expect(json["thread_id"] as? String == "thr-1")
        #expect(json["save_message"] as? Bool == false)
        #expect(json["media_type"] as? String == "image")
        #expect(json["media_data"] as? String == "AQID")
        #expect(json["channel_id"] == nil)
    }

    @Test func randomStringsRoundTrip() throws {
        for _ in 0..<200 {
            let scalars = (0..<Int.random(in: 0...40)).compactMap { _ -> Character? in
                let value = [
                    UInt32.random(in: 0...0x7F), UInt32.random(in: 0...0x2FFF), UInt32.random(in: 0x1F300...0x1F64F),
                ]
                .randomElement()!
                return Unicode.Scalar(value).map(Character.init)
            }
            let text = String(scalars)
            let body = try SendMediaPayload(request(.url("https://example.com/a.pdf"), content: text)).makeBody()
            #expect(try object(body)["content"] as? String == text)
        }
    }

    @Test func urlIsPassedThroughAsIs() throws {
        let url = "https://example.com/catalog.jpg?sig=a/b+c%20d"
        let payload = try SendMediaPayload(request(.url(url)))
        let body = try payload.makeBody()
        #expect(body.count == payload.contentLength)
        #expect(try object(body)["media_data"] as? String == url)
        #expect(payload.mediaByteCount == 0)
    }

    @Test func threadAloneIsEnough() throws {
        try SendMediaRequest(mediaType: .image, mediaData: .bytes([1]), threadID: "thr-1").validate()
    }

    @Test func channelAndContactAreRequiredWithoutAThread() {
        let missingContact = SendMediaRequest(channelID: "chn_a", mediaType: .image, mediaData: .bytes([1]))
        #expect { try missingContact.validate() } throws: { error in
            (error as? WabaMediaError)?.code == .invalidArgument && "\(error)".contains("contact_id")
        }
        let missingBoth = SendMediaRequest(mediaType: .image, mediaData: .bytes([1]))
        #expect(throws: WabaMediaError.self) { try missingBoth.validate() }
    }

    @Test func captionLimitComesFromTheProfile() throws {
        let limit = MediaProfile.whatsappCloud.captionMaxCharacters
        try request(.bytes([1]), content: String(repeating: "a", count: limit)).validate()
        #expect { try request(.bytes([1]), content: String(repeating: "a", count: limit + 1)).validate() } throws: {
            "\($0)".contains("over the limit of \(limit)")
        }
        // An emoji is two UTF-16 units: the most a server can count it as.
        #expect(throws: WabaMediaError.self) {
            try request(.bytes([1]), content: String(repeating: "😀", count: limit / 2 + 1)).validate()
        }
    }

    @Test(arguments: [
        "ftp://example.com/a.pdf", "file:///etc/passwd", "example.com/a.pdf", "https:///a.pdf", "https://a.com/b c.pdf",
    ])
    func nonHTTPURLsAreRefused(url: String) {
        #expect(throws: WabaMediaError.self) { try request(.url(url)).validate() }
    }

    @Test func validationHappensBeforeTheFileIsOpened() {
        // A missing file and a missing contact: the contact is reported, so no I/O was attempted.
        let bad = SendMediaRequest(
            channelID: "chn_a", mediaType: .document, mediaData: .file(path: "/nonexistent/x.pdf"))
        #expect { try SendMediaPayload(bad) } throws: { "\($0)".contains("contact_id") }
    }
}
