import Foundation
import TestSupport
import Testing
import WabaEncoding

@testable import WabaMedia

/// A local name that is not UTF-8 is opened by its bytes; the name sent for it is valid Unicode,
/// with U+FFFD where the byte was and the extension whole.
@Suite struct RawByteNameTests {
    @Test("a file named caf\\xE9.jpg is prepared, and sent as caf\u{FFFD}.jpg")
    func nonUTF8InputName() async throws {
        let folder = try makeTemporaryDirectory("wamedia-raw-name")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = FileSystemPath.decode(Array((folder.path + "/caf").utf8) + [0xE9] + Array(".jpg".utf8))
        let contents = try Data(contentsOf: samplesURL.appendingPathComponent("photo.jpg"))
        let descriptor = FileSystemPath.withBytes(of: path) { open($0, O_WRONLY | O_CREAT | O_EXCL, 0o644) }
        #expect(descriptor >= 0)
        _ = contents.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)

        let named = FileNamer().infer(inputPath: path, mime: "image/jpeg", mediaType: .image) { "0" }
        #expect(named == InferredFileName(name: "caf\u{FFFD}.jpg", origin: .input))
        #expect(
            FileNamer().sanitize(FileSystemPath.decode([0xFF, 0xFE] + Array(".jpg".utf8))) == "\u{FFFD}\u{FFFD}.jpg")

        let mime = try await MediaPreparer(executor: .tests).withPreparedMedia(at: path, as: .image) {
            (media: PreparedMedia) async in
            media.mime
        }
        #expect(mime == "image/jpeg")
    }
}
