import Foundation
import TestSupport
import Testing
import WabaMedia

@Suite struct FileNamerTests {
    let namer = FileNamer()

    func name(
        user: String? = nil, input: String? = nil, url: String? = nil, mime: MIMEType?, type: MediaType = .document
    ) -> InferredFileName {
        namer.infer(
            userFileName: user, inputPath: input, url: url, mime: mime, mediaType: type, contentDigest: { "0123abcd" })
    }

    @Test func userNameWinsAndIsKeptAsGiven() {
        let result = name(user: "Quarterly report.PDF", input: "/tmp/x.pdf", mime: "application/pdf")
        #expect(result == InferredFileName(name: "Quarterly report.PDF", origin: .user))
    }

    @Test(arguments: [
        ("/in/invoice", "application/pdf", "invoice.pdf"),
        ("/in/scan.jpg", "image/png", "scan.png"),
        ("/in/IMG_1234.HEIC", "image/jpeg", "IMG_1234.jpg"),
        ("/in/photo.jpeg", "image/jpeg", "photo.jpg"),
        ("/in/report.final", "application/pdf", "report.final.pdf"),
        ("/in/notes.csv", "text/plain", "notes.txt"),
        ("/in/deck.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "deck.pptx"),
    ])
    func inputNameGetsTheCanonicalExtension(input: String, mime: MIMEType, expected: String) {
        #expect(name(input: input, mime: mime) == InferredFileName(name: expected, origin: .input))
    }

    @Test func unknownMIMEKeepsTheInputName() {
        #expect(name(input: "/in/archive.zip", mime: "application/zip").name == "archive.zip")
    }

    @Test func signedURLLosesItsQueryAndIsPercentDecoded() {
        let url =
            "https://bucket.s3.amazonaws.com/docs/Factura%20n%C2%BA%207.pdf?X-Amz-Signature=abc123&X-Amz-Expires=60#page=2"
        let result = name(url: url, mime: nil)
        #expect(result == InferredFileName(name: "Factura nº 7.pdf", origin: .url))
        #expect(!result.name.contains("Signature"))
    }

    @Test func urlWithoutANameGetsAGeneratedOne() {
        #expect(name(url: "https://example.com/", mime: nil, type: .image).name == "image-0123abcd")
        #expect(name(url: "https://example.com", mime: nil, type: .image).origin == .generated)
        #expect(name(mime: "application/pdf").name == "document-0123abcd.pdf")
    }

    @Test func encodedSlashInAURLCannotMakeAPath() {
        let result = name(url: "https://example.com/a/..%2F..%2Fetc%2Fpasswd", mime: nil)
        #expect(!result.name.contains("/"))
        #expect(!result.name.hasPrefix("."))
    }

    @Test func sanitisingRemovesSeparatorsControlsAndLeadingDots() {
        #expect(namer.sanitize("../../etc/passwd") == "_.._etc_passwd")
        #expect(namer.sanitize("a\\b/c.pdf") == "a_b_c.pdf")
        #expect(namer.sanitize("re\u{0}port\n\t.pdf") == "report.pdf")
        #expect(namer.sanitize(".hidden.pdf") == "hidden.pdf")
        #expect(namer.sanitize("invoice\u{202E}fdp.exe") == "invoicefdp.exe")
        #expect(namer.sanitize("...") == nil)
        #expect(namer.sanitize("  ") == nil)
        #expect(namer.sanitize("/") == nil)
    }

    @Test func sanitisingKeepsUnicode() {
        #expect(namer.sanitize("café 文档 📄.pdf") == "café 文档 📄.pdf")
    }

    @Test func longNamesAreCappedKeepingTheExtension() throws {
        let long = String(repeating: "é", count: 300) + ".docx"
        let capped = try #require(namer.sanitize(long))
        #expect(capped.utf8.count <= namer.maxBytes)
        #expect(capped.hasSuffix(".docx"))
        #expect(capped.hasPrefix("éé"))
        // Cut at a character boundary: the stem is whole characters.
        #expect(capped.dropLast(5).allSatisfy { $0 == "é" })
    }

    @Test func digestIsStableAndShort() throws {
        let digest = FileNamer.shortDigest(of: Array("hello".utf8))
        #expect(digest.count == 16)
        #expect(digest == FileNamer.shortDigest(of: Array("hello".utf8)))
        #expect(digest != FileNamer.shortDigest(of: Array("hellp".utf8)))
        #expect(try FileNamer.shortDigest(of: MemorySource(Array("hello".utf8))) == digest)
    }
}
