import Foundation
import TestSupport
import Testing

/// A PNG with one compressed chunk after its header whose zlib stream inflates to `size` zero bytes.
private func inflatingPNG(_ type: String, size: Int, from plain: URL, to path: URL) throws {
    let script = #"""
        import struct, sys, zlib
        source, path, kind, size = sys.argv[1], sys.argv[2], sys.argv[3].encode(), int(sys.argv[4])
        data = open(source, "rb").read()
        compressor = zlib.compressobj(9)
        stream = b"".join(compressor.compress(b"\x00" * min(1 << 16, size - done)) for done in range(0, size, 1 << 16))
        stream += compressor.flush()
        body = (b"Comment" if kind == b"zTXt" else b"ICC profile") + b"\x00\x00" + stream
        chunk = struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        open(path, "wb").write(data[:33] + chunk + data[33:])
        """#
    try runTool("python3", ["-c", script, plain.path, path.path, type, "\(size)"])
}

/// The peak resident memory, in kilobytes, of `wamedia` run with `arguments` (GNU time's `%M`).
private func peakMemory(_ arguments: [String]) throws -> Int {
    let stats = FileManager.default.temporaryDirectory.appendingPathComponent("wamedia-time-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: stats) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
    process.arguments = ["-f", "%M", "-o", stats.path, executableURL.path] + arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    let text = try String(contentsOf: stats, encoding: .utf8)
    guard let kilobytes = text.split(separator: "\n").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) })
    else { throw FixtureError("GNU time gave no peak memory: \(text)") }
    return kilobytes
}

@Suite("wamedia: compressed metadata judged by what it inflates to", .serialized)
struct MetadataBombCLITests {
    @Test("64 MB zTXt and iCCP bombs: fixable, prepared to the plain PNG, judged in bounded memory")
    func boundedBombs() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") || runningInCI else { return }
        let folder = try makeTemporaryDirectory("wamedia-bombs")
        defer { try? FileManager.default.removeItem(at: folder) }
        let plain = folder.appendingPathComponent("plain.png")
        try runTool("vips", ["black", plain.path, "96", "64", "--bands", "3"])
        let baseline = try peakMemory(["check", plain.path])
        for type in ["zTXt", "iCCP"] {
            let bomb = folder.appendingPathComponent("\(type)-bomb.png")
            try inflatingPNG(type, size: 64 << 20, from: plain, to: bomb)

            let check = try wamedia("check", "--format", "json", bomb.path)
            let report = try #require(try check.jsonLines().first)
            #expect(report["verdict"] as? String == "fixable", "\(check.standardOutput)")
            let findings = try #require(report["findings"] as? [[String: Any]])
            #expect(findings.contains { $0["code"] as? String == "oversized-metadata" })

            let growth = try peakMemory(["check", bomb.path]) - baseline
            #expect(growth < 16_000, "judging a \(type) chunk that inflates to 64 MB grew the peak by \(growth) kB")

            let output = folder.appendingPathComponent("\(type)-prepared.png")
            let run = try wamedia("prepare", bomb.path, "-o", output.path)
            #expect(run.status == 0, "\(run.standardError)")
            #expect(try Data(contentsOf: output) == (try Data(contentsOf: plain)))
        }
    }
}
