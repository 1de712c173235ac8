import Foundation
import TestSupport

/// Builders for office and audio files that no installed tool writes.
enum OfficeFixtures {
    /// Writes a minimal OOXML package (`docx`, `xlsx` or `pptx`) with Python's zipfile.
    /// - Parameter paddingBytes: a stored, incompressible part written first, so the
    ///   telling entries sit past the first 64 KiB.
    static func writeOOXML(to path: String, kind: String, paddingBytes: Int = 0) throws {
        let folder = ["docx": "word", "xlsx": "xl", "pptx": "ppt"][kind]!
        let main = ["docx": "document.xml", "xlsx": "workbook.xml", "pptx": "presentation.xml"][kind]!
        let script = """
            import os, sys, zipfile
            path, folder, main, padding = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
                if padding:
                    z.writestr(zipfile.ZipInfo("customXml/blob.bin"), os.urandom(padding), compress_type=zipfile.ZIP_STORED)
                z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
                z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>')
                z.writestr(folder + "/" + main, '<?xml version="1.0"?><root/>')
            """
        try runTool("python3", ["-c", script, path, folder, main, String(paddingBytes)])
    }

    /// A minimal OLE compound file whose directory holds one stream with `streamName`,
    /// the way old Word, Excel and PowerPoint files name their main stream.
    static func compoundFile(streamName: String) -> [UInt8] {
        let sectorSize = 512
        var header = [UInt8](repeating: 0, count: sectorSize)
        header.replaceSubrange(0..<8, with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
        func put16(_ value: Int, _ offset: Int, in bytes: inout [UInt8]) {
            bytes[offset] = UInt8(value & 0xFF)
            bytes[offset + 1] = UInt8(value >> 8 & 0xFF)
        }
        func put32(_ value: Int, _ offset: Int, in bytes: inout [UInt8]) {
            for index in 0..<4 { bytes[offset + index] = UInt8(value >> (8 * index) & 0xFF) }
        }
        put16(0x3E, 0x18, in: &header)  // minor version
        put16(3, 0x1A, in: &header)  // major version 3: 512-byte sectors
        put16(0xFFFE, 0x1C, in: &header)  // little-endian
        put16(9, 0x1E, in: &header)  // sector shift
        put16(6, 0x20, in: &header)  // mini sector shift
        put32(1, 0x2C, in: &header)  // one FAT sector
        put32(1, 0x30, in: &header)  // directory starts at sector 1
        put32(0x1000, 0x38, in: &header)  // mini stream cutoff
        put32(0xFFFF_FFFE, 0x3C, in: &header)  // no mini FAT
        put32(0xFFFF_FFFE, 0x44, in: &header)  // no DIFAT sectors
        put32(0, 0x4C, in: &header)  // FAT is sector 0
        for index in 1..<109 { put32(0xFFFF_FFFF, 0x4C + index * 4, in: &header) }

        var fat = [UInt8](repeating: 0xFF, count: sectorSize)
        put32(0xFFFF_FFFD, 0, in: &fat)  // sector 0: FAT
        put32(0xFFFF_FFFE, 4, in: &fat)  // sector 1: directory, end of chain
        put32(0xFFFF_FFFE, 8, in: &fat)  // sector 2: stream data, end of chain

        var directory = [UInt8](repeating: 0, count: sectorSize)
        func entry(_ index: Int, name: String, type: UInt8, child: Int, start: Int, size: Int) {
            let base = index * 128
            let units = Array(name.utf16)
            for (offset, unit) in units.enumerated() { put16(Int(unit), base + offset * 2, in: &directory) }
            put16((units.count + 1) * 2, base + 0x40, in: &directory)
            directory[base + 0x42] = type
            directory[base + 0x43] = 1  // black
            put32(0xFFFF_FFFF, base + 0x44, in: &directory)
            put32(0xFFFF_FFFF, base + 0x48, in: &directory)
            put32(child, base + 0x4C, in: &directory)
            put32(start, base + 0x74, in: &directory)
            put32(size, base + 0x78, in: &directory)
        }
        entry(0, name: "Root Entry", type: 5, child: 1, start: 0xFFFF_FFFE, size: 0)
        entry(1, name: streamName, type: 2, child: 0xFFFF_FFFF, start: 2, size: 4096)
        for index in 2..<4 {
            put32(0xFFFF_FFFF, index * 128 + 0x44, in: &directory);
            put32(0xFFFF_FFFF, index * 128 + 0x48, in: &directory);
            put32(0xFFFF_FFFF, index * 128 + 0x4C, in: &directory)
        }

        let data = [UInt8](repeating: 0, count: sectorSize)
        return header + fat + directory + data
    }

    /// An AMR narrowband stream: the `#!AMR` magic and `frames` 12.2 kbit/s frames of silence.
    static func amrNarrowband(frames: Int) -> [UInt8] {
        var bytes = Array("#!AMR\n".utf8)
        for _ in 0..<frames { bytes += [0x3C] + [UInt8](repeating: 0, count: 31) }
        return bytes
    }
}
