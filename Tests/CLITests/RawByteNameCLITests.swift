import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// File names are bytes: one that is not UTF-8, or holds a character outside the BMP, is found in a
/// folder, shown with its bytes escaped (`\xe9`) and its extension whole.
@Suite("names that are not UTF-8, through the command line")
struct RawByteNameCLITests {
    /// Copies `source` into `folder` under the name made of `bytes`, written with a raw byte path.
    static func copy(_ source: String, into folder: URL, named bytes: [UInt8]) throws {
        let contents = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        let path = Array(folder.path.utf8) + [UInt8(ascii: "/")] + bytes + [0]
        let descriptor = path.withUnsafeBufferPointer { pointer in
            pointer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_EXCL, 0o644) }
        }
        guard descriptor >= 0 else { throw FixtureError("cannot create the raw-byte name: \(errno)") }
        defer { close(descriptor) }
        let written = contents.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == contents.count else { throw FixtureError("short write") }
    }

    @Test("a folder's file named caf\\xE9.jpg is checked and shown as caf\\xe9.jpg, its extension whole")
    func nonUTF8NameInAFolder() throws {
        let folder = try makeTemporaryDirectory("wamedia-raw-names")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.copy(sample("photo.jpg"), into: folder, named: Array("caf".utf8) + [0xE9] + Array(".jpg".utf8))
        try Self.copy(sample("logo.png"), into: folder, named: Array("\u{1F600}.png".utf8))

        let run = try wamedia(["check", folder.path])
        #expect(run.status == 0, "\(run.standardOutput)\(run.standardError)")
        let lines = run.standardOutput.split(separator: "\n")
        #expect(run.standardOutput.contains("2 files"), "\(run.standardOutput)")
        let raw = try #require(lines.first { $0.contains("caf") }, "\(run.standardOutput)")
        #expect(raw.hasPrefix("'" + folder.path + "/caf\\xe9.jpg'  "), "\(raw)")
        let emoji = try #require(lines.first { $0.contains("\u{1F600}") }, "\(run.standardOutput)")
        #expect(emoji.hasPrefix(folder.path + "/\u{1F600}.png "), "\(emoji)")
        // No private-use stand-in for a byte, and no replacement character, reaches the terminal.
        #expect(!run.standardOutput.unicodeScalars.contains { $0.value >= 0x10_FF00 || $0 == "\u{FFFD}" })
    }
}
