import Foundation
import Testing
import WabaEncoding

/// A folder of generated files, removed when the test is done with it.
final class ScratchFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("wamedia-base64-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = url.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// All of a file's encoding, collected through the callback API.
func encodedByCallback(_ encoder: Base64FileEncoder) throws -> [UInt8] {
    var output: [UInt8] = []
    try encoder.encode { output.append(contentsOf: $0) }
    return output
}

@Suite("Base64FileEncoder")
struct Base64FileEncoderTests {
    @Test(
        "a several-MiB file streams to Foundation's encoding with every kernel",
        arguments: Base64EncoderTests.supportedKernels)
    func largeFileMatchesFoundation(kernel: Base64Encoder.Kernel) throws {
        let scratch = try ScratchFolder()
        var generator = SeededGenerator(seed: 0x5EED_0010)
        let bytes = generator.bytes(5 * 1024 * 1024 + 1)
        let path = try scratch.file("large.bin", bytes)
        let encoder = try Base64FileEncoder(path: path, kernel: kernel)

        let expected = foundationBase64(bytes)
        #expect(encoder.byteCount == bytes.count)
        #expect(encoder.encodedLength == expected.count)
        let streamed = try encodedByCallback(encoder)
        #expect(streamed.count == expected.count)
        #expect(streamed == expected)
    }

    @Test("the async sequence, the reader and write(to:) give the same bytes as Foundation")
    func everyAPIMatches() async throws {
        let scratch = try ScratchFolder()
        var generator = SeededGenerator(seed: 0x5EED_0011)
        let bytes = generator.bytes(3 * 1024 * 1024 + 2)
        let path = try scratch.file("input.bin", bytes)
        let expected = foundationBase64(bytes)
        let encoder = try Base64FileEncoder(path: path)

        var fromSequence: [UInt8] = []
        var largestChunk = 0
        for try await chunk in encoder.chunks {
            #expect(!chunk.isEmpty)
            largestChunk = max(largestChunk, chunk.count)
            fromSequence += chunk
        }
        #expect(fromSequence == expected)
        #expect(largestChunk <= encoder.encodedChunkCapacity)

        let reader = encoder.makeReader()
        var buffer = [UInt8](repeating: 0, count: encoder.encodedChunkCapacity)
        var fromReader: [UInt8] = []
        while true {
            let count = try buffer.withUnsafeMutableBytes { try reader.next(into: $0) }
            if count == 0 { break }
            fromReader += buffer[..<count]
        }
        #expect(reader.isAtEnd)
        #expect(fromReader == expected)

        let outputPath = scratch.url.appendingPathComponent("output.b64").path
        let descriptor = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(descriptor >= 0)
        let written = try encoder.write(to: descriptor)
        close(descriptor)
        #expect(written == expected.count)
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: outputPath))) == expected)
    }

    @Test("files around the chunk size and its multiples encode like Foundation")
    func chunkBoundaries() throws {
        let scratch = try ScratchFolder()
        var generator = SeededGenerator(seed: 0x5EED_0012)
        let small = 3 * 1024
        let cases =
            [(small, 0), (small, 1), (small, 2)]
            + [small, 2 * small, 3 * small].flatMap { size in (-2...2).map { (small, size + $0) } }
            + (-2...2).map { (Base64FileEncoder.defaultChunkSize, Base64FileEncoder.defaultChunkSize + $0) }
        for (chunkSize, fileSize) in cases {
            let bytes = generator.bytes(fileSize)
            let path = try scratch.file("chunked-\(chunkSize)-\(fileSize).bin", bytes)
            let encoder = try Base64FileEncoder(path: path, chunkSize: chunkSize)
            var chunkSizes: [Int] = []
            var output: [UInt8] = []
            try encoder.encode { chunk in
                chunkSizes.append(chunk.count)
                output.append(contentsOf: chunk)
            }
            #expect(output == foundationBase64(bytes), "file of \(fileSize) bytes in chunks of \(chunkSize)")
            // Only the last chunk may be short (and padded); the others are full groups.
            #expect(chunkSizes.dropLast().allSatisfy { $0 == encoder.encodedChunkCapacity })
            #expect(chunkSizes.count == (fileSize + chunkSize - 1) / chunkSize)
        }
    }

    @Test("a missing file is file-not-found, naming the path")
    func missingFile() throws {
        let scratch = try ScratchFolder()
        let path = scratch.url.appendingPathComponent("absent.bin").path
        let error = #expect(throws: Base64FileEncoder.Error.self) { try Base64FileEncoder(path: path) }
        #expect(error?.code == .fileNotFound)
        #expect(error?.message.contains(path) == true)
    }

    @Test("a folder is refused as unsupported input")
    func folderIsRefused() throws {
        let scratch = try ScratchFolder()
        let error = #expect(throws: Base64FileEncoder.Error.self) { try Base64FileEncoder(path: scratch.url.path) }
        #expect(error?.code == .unsupportedInput)
        #expect(error?.message.contains(scratch.url.path) == true)
    }

    /// A write-only sysfs attribute: open(2) refuses to read it even to root, who reads any
    /// ordinary file whatever its mode.
    static let rootUnreadableFile = "/sys/bus/pci/rescan"
    static let canMakeUnreadableFile = geteuid() != 0 || access(rootUnreadableFile, F_OK) == 0

    @Test(
        "a file that cannot be read is an io-error naming the path and the reason", .enabled(if: canMakeUnreadableFile))
    func unreadableFile() throws {
        let scratch = try ScratchFolder()
        let path: String
        if geteuid() == 0 {
            path = Self.rootUnreadableFile
        } else {
            path = try scratch.file("locked.bin", [1, 2, 3])
            try #require(chmod(path, 0) == 0)
        }
        let error = #expect(throws: Base64FileEncoder.Error.self) { try Base64FileEncoder(path: path) }
        #expect(error?.code == .ioError)
        #expect(error?.message.contains(path) == true)
        #expect(error?.message.contains("Permission denied") == true)
        #expect(error?.hint != nil)
    }

    @Test("a file that shrinks or grows while encoding fails instead of giving the wrong length")
    func fileChangingSize() throws {
        let scratch = try ScratchFolder()
        var generator = SeededGenerator(seed: 0x5EED_0013)
        let path = try scratch.file("moving.bin", generator.bytes(100_000))

        let shrinking = try Base64FileEncoder(path: path, chunkSize: 3 * 1024)
        try #require(truncate(path, 50_000) == 0)
        let shrunk = #expect(throws: Base64FileEncoder.Error.self) { try encodedByCallback(shrinking) }
        #expect(shrunk?.code == .ioError)
        #expect(shrunk?.message.contains("changed while being encoded") == true)

        let growing = try Base64FileEncoder(path: path, chunkSize: 3 * 1024)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([1, 2, 3]))
        try handle.close()
        let grown = #expect(throws: Base64FileEncoder.Error.self) { try encodedByCallback(growing) }
        #expect(grown?.code == .ioError)
        #expect(grown?.message.contains("grew") == true)
    }

    @Test("a chunk size that is not a multiple of 3, or a kernel this CPU lacks, is an invalid argument")
    func invalidArguments() throws {
        let scratch = try ScratchFolder()
        let path = try scratch.file("small.bin", [1, 2, 3, 4])
        for chunkSize in [0, -3, 4, 1000] {
            let error = #expect(throws: Base64FileEncoder.Error.self) {
                try Base64FileEncoder(path: path, chunkSize: chunkSize)
            }
            #expect(error?.code == .invalidArgument)
        }
        let unsupported = try #require(Base64Encoder.Kernel.allCases.first { !$0.isSupported })
        let error = #expect(throws: Base64FileEncoder.Error.self) {
            try Base64FileEncoder(path: path, kernel: unsupported)
        }
        #expect(error?.code == .invalidArgument)
    }

    @Test("an open descriptor is encoded through a duplicate that leaves the caller's open")
    func duplicatedDescriptor() throws {
        let scratch = try ScratchFolder()
        var generator = SeededGenerator(seed: 0x5EED_0015)
        let bytes = generator.bytes(700_001)
        let path = try scratch.file("opened.bin", bytes)
        let descriptor = open(path, O_RDONLY)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        // The encoder reads at explicit offsets: where the caller left the position does not matter.
        try #require(lseek(descriptor, 1234, SEEK_SET) == 1234)

        var encoder: Base64FileEncoder? = try Base64FileEncoder(
            duplicating: descriptor, path: path, chunkSize: 3 * 1024)
        #expect(encoder?.path == path)
        #expect(try encodedByCallback(try #require(encoder)) == foundationBase64(bytes))
        encoder = nil

        #expect(lseek(descriptor, 0, SEEK_CUR) == 1234)
        var first: UInt8 = 0
        #expect(pread(descriptor, &first, 1, 0) == 1, "the caller's descriptor was closed with the encoder")
        #expect(first == bytes[0])
    }

    @Test("a closed, write-only or non-file descriptor is refused with the reason")
    func unusableDescriptors() throws {
        let scratch = try ScratchFolder()
        let path = try scratch.file("target.bin", [1, 2, 3])

        let closed = open(path, O_RDONLY)
        close(closed)
        let notOpen = #expect(throws: Base64FileEncoder.Error.self) {
            try Base64FileEncoder(duplicating: closed, path: path)
        }
        #expect(notOpen?.code == .invalidArgument)
        #expect(notOpen?.message.contains("not open") == true)

        let writeOnly = open(path, O_WRONLY)
        try #require(writeOnly >= 0)
        defer { close(writeOnly) }
        let forWriting = #expect(throws: Base64FileEncoder.Error.self) {
            try Base64FileEncoder(duplicating: writeOnly, path: path)
        }
        #expect(forWriting?.code == .ioError)
        #expect(forWriting?.message.contains("writing only") == true)

        let folder = open(scratch.url.path, O_RDONLY)
        try #require(folder >= 0)
        defer { close(folder) }
        let notAFile = #expect(throws: Base64FileEncoder.Error.self) {
            try Base64FileEncoder(duplicating: folder, path: scratch.url.path)
        }
        #expect(notAFile?.code == .unsupportedInput)
        #expect(notAFile?.hint != nil)
    }

    @Test("readers of one encoder in concurrent tasks each get the whole encoding")
    func concurrentReaders() async throws {
        let scratch = try ScratchFolder()
        var generator = SeededGenerator(seed: 0x5EED_0014)
        let bytes = generator.bytes(1024 * 1024 + 1)
        let encoder = try Base64FileEncoder(path: try scratch.file("shared.bin", bytes), chunkSize: 3 * 4096)
        let results = try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var output: [UInt8] = []
                    for try await chunk in encoder.chunks { output += chunk }
                    return output
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let expected = foundationBase64(bytes)
        #expect(results.count == 4)
        #expect(results.allSatisfy { $0 == expected })
    }
}
