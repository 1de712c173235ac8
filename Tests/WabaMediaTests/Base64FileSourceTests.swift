import Foundation
import TestSupport
import Testing
import WabaEncoding
import WabaMedia

@Suite("Base64FileEncoder in WabaMedia")
struct Base64FileSourceTests {
    @Test("a FileSource is encoded like Foundation, even after the source is released")
    func encodesAFileSource() throws {
        let folder = try makeTemporaryDirectory("wamedia-base64")
        defer { try? FileManager.default.removeItem(at: folder) }
        let bytes = (0..<300_001).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ $0 >> 7) }
        let path = folder.appendingPathComponent("media.bin").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        var source: FileSource? = try FileSource(path: path)
        let encoder = try Base64FileEncoder(source: try #require(source), chunkSize: 3 * 4096)
        source = nil
        #expect(encoder.path == path)
        #expect(encoder.byteCount == bytes.count)
        var output: [UInt8] = []
        try encoder.encode { output.append(contentsOf: $0) }
        #expect(output == Array(Data(bytes).base64EncodedString().utf8))
    }

    @Test("the encoder's errors become WabaMediaErrors with the same code, message and hint")
    func errorsConvert() throws {
        let folder = try makeTemporaryDirectory("wamedia-base64")
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("absent.bin").path
        let notFound = try #require(
            #expect(throws: Base64FileEncoder.Error.self) { try Base64FileEncoder(path: missing) })
        let converted = WabaMediaError(notFound)
        #expect(converted.code == .fileNotFound)
        #expect(converted.message == notFound.message)
        #expect(converted.hint == notFound.hint)

        let notAFile = try #require(
            #expect(throws: Base64FileEncoder.Error.self) { try Base64FileEncoder(path: folder.path) })
        #expect(WabaMediaError(notAFile).code == .unsupportedInput)

        let source = try FileSource(path: #filePath)
        let badChunk = try #require(
            #expect(throws: Base64FileEncoder.Error.self) { try Base64FileEncoder(source: source, chunkSize: 4) })
        #expect(WabaMediaError(badChunk).code == .invalidArgument)
    }
}
