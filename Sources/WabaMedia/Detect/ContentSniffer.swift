/// Turns libmagic's answer into WhatsApp's vocabulary, and looks further where libmagic
/// cannot tell from the start of a file alone.
enum ContentSniffer {
    static let compoundFileNames: Set<MIMEType> = [.compoundFile, .compoundFileCorrupt, .oleStorage, .msOffice]

    static func refine(
        _ libmagicMIME: MIMEType, head: [UInt8], source: some ByteSource, fileName: String?
    ) -> Detection {
        func refined(_ mime: MIMEType, by refinement: String) -> Detection {
            Detection(mime: mime, libmagicMIME: libmagicMIME, refinement: refinement)
        }

        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || libmagicMIME == .zip {
            if let office = ZipDirectory.officeType(of: source) {
                return office == libmagicMIME
                    ? Detection(mime: office, libmagicMIME: libmagicMIME) : refined(office, by: "zip-directory")
            }
        }
        if compoundFileNames.contains(libmagicMIME) {
            if let office = CompoundFileDirectory.officeType(of: source) {
                return refined(office, by: "cfb-directory")
            }
            if let byExtension = officeTypeByExtension(fileName) {
                return refined(byExtension, by: "extension-tiebreak")
            }
        }
        if let brand = isoBrand(head) {
            switch brand {
            case "M4A ", "M4B ", "M4P ":
                return libmagicMIME == .m4a
                    ? Detection(mime: .m4a, libmagicMIME: libmagicMIME) : refined(.m4a, by: "ftyp-brand")
            case "qt  ":
                if libmagicMIME != .quickTime { return refined(.quickTime, by: "ftyp-brand") }
            default:
                break
            }
        }
        if libmagicMIME == .octetStream || libmagicMIME == .empty {
            if let audio = AudioSyncSniffer.audioType(of: head) {
                return refined(audio, by: "frame-sync")
            }
        }
        if libmagicMIME == .octetStream, isPortableFloatMap(head) {
            return refined(.portableFloatmap, by: "pfm-header")
        }
        if head.starts(with: Array("#!AMR\n".utf8)) && libmagicMIME != .amr {
            return refined(.amr, by: "amr-magic")
        }
        if let alias = MIMEType.aliases[libmagicMIME] {
            return Detection(mime: alias, libmagicMIME: libmagicMIME)
        }
        return Detection(mime: libmagicMIME, libmagicMIME: libmagicMIME)
    }

    /// A PFM header, which libmagic does not know: `PF` (colour) or `Pf` (grey), a line break,
    /// optional comment lines, then the width and height as decimal numbers.
    static func isPortableFloatMap(_ head: [UInt8]) -> Bool {
        guard head.count >= 8, head[0] == UInt8(ascii: "P"),
            head[1] == UInt8(ascii: "F") || head[1] == UInt8(ascii: "f"),
            head[2] == 0x0A || head[2] == 0x0D || head[2] == 0x20
        else { return false }
        // Comment lines (`# ...`, which libvips writes) may come before the dimensions.
        var rest = head[3..<min(head.count, 256)]
        while rest.first == UInt8(ascii: "#"), let end = rest.firstIndex(of: 0x0A) { rest = rest[(end + 1)...] }
        let header = rest.prefix { $0 != 0x0A && $0 != 0x0D }
        let fields = header.split(separator: 0x20)
        return fields.count == 2 && fields.allSatisfy { $0.allSatisfy { (0x30...0x39).contains($0) } }
    }

    /// The major brand of an ISO base media file (`ftyp` box at the start), if there is one.
    static func isoBrand(_ head: [UInt8]) -> String? {
        guard head.count >= 12, head[4...7].elementsEqual("ftyp".utf8) else { return nil }
        return String(decoding: head[8..<12], as: UTF8.self)
    }

    private static func officeTypeByExtension(_ fileName: String?) -> MIMEType? {
        guard let fileName, let dot = fileName.lastIndex(of: ".") else { return nil }
        switch fileName[fileName.index(after: dot)...].lowercased() {
        case "doc", "dot": return .word
        case "xls", "xlt": return .excel
        case "ppt", "pps", "pot": return .powerPoint
        default: return nil
        }
    }
}

/// Reads a ZIP file's central directory to tell OOXML documents apart from other ZIPs.
enum ZipDirectory {
    private static let endOfDirectorySignature = 0x0605_4B50
    private static let zip64LocatorSignature = 0x0706_4B50
    private static let entrySignature = 0x0201_4B50
    /// Directories larger than this are not read: an office file's is a few kilobytes.
    private static let maxDirectoryBytes = 4 * 1024 * 1024

    static func officeType(of source: some ByteSource) -> MIMEType? {
        guard let names = try? entryNames(of: source) else { return nil }
        guard names.contains("[Content_Types].xml") else { return nil }
        if names.contains(where: { $0.hasPrefix("word/") }) {
            return .wordOpenXML
        }
        if names.contains(where: { $0.hasPrefix("xl/") }) {
            return .excelOpenXML
        }
        if names.contains(where: { $0.hasPrefix("ppt/") }) {
            return .powerPointOpenXML
        }
        return nil
    }

    static func entryNames(of source: some ByteSource) throws -> [String] {
        let tailLength = Swift.min(source.size, 65_535 + 22)
        let tailStart = source.size - tailLength
        let tail = ByteView(try source.read(at: tailStart, count: tailLength))
        var index = tail.count - 22
        while index >= 0, tail.u32LE(at: index) != endOfDirectorySignature { index -= 1 }
        guard index >= 0, var directorySize = tail.u32LE(at: index + 12),
            var directoryOffset = tail.u32LE(at: index + 16)
        else { return [] }
        if directoryOffset == 0xFFFF_FFFF || directorySize == 0xFFFF_FFFF {
            let locator = index - 20
            guard tail.u32LE(at: locator) == zip64LocatorSignature,
                let recordOffset = tail.u64LE(at: locator + 8),
                recordOffset < UInt64(source.size)
            else { return [] }
            let record = ByteView(try source.read(at: Int(recordOffset), count: 56))
            guard let size = record.u64LE(at: 40), let offset = record.u64LE(at: 48),
                size < UInt64(Int.max), offset < UInt64(Int.max)
            else { return [] }
            directorySize = Int(size)
            directoryOffset = Int(offset)
        }
        guard directorySize <= maxDirectoryBytes, directoryOffset + directorySize <= source.size else { return [] }
        let directory = ByteView(try source.read(at: directoryOffset, count: directorySize))
        var names: [String] = []
        var position = 0
        while directory.u32LE(at: position) == entrySignature,
            let nameLength = directory.u16LE(at: position + 28),
            let extraLength = directory.u16LE(at: position + 30),
            let commentLength = directory.u16LE(at: position + 32),
            position + 46 + nameLength <= directory.count
        {
            names.append(
                String(decoding: directory.bytes[(position + 46)..<(position + 46 + nameLength)], as: UTF8.self))
            position += 46 + nameLength + extraLength + commentLength
        }
        return names
    }
}

/// Reads the directory of an OLE compound file (old Word, Excel and PowerPoint files) to
/// name the application from its stream names.
enum CompoundFileDirectory {
    private static let signature: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
    private static let endOfChain = 0xFFFF_FFFE
    /// Enough directory sectors for any office document; a bound against cycles.
    private static let maxDirectorySectors = 512

    static func officeType(of source: some ByteSource) -> MIMEType? {
        guard let names = try? streamNames(of: source) else { return nil }
        if names.contains("WordDocument") { return .word }
        if names.contains("Workbook") || names.contains("Book") { return .excel }
        if names.contains("PowerPoint Document") { return .powerPoint }
        return nil
    }

    static func streamNames(of source: some ByteSource) throws -> Set<String> {
        let header = ByteView(try source.read(at: 0, count: 512))
        guard header.bytes.starts(with: signature), let shift = header.u16LE(at: 0x1E),
            shift == 9 || shift == 12, var sector = header.u32LE(at: 0x30)
        else { return [] }
        let sectorSize = 1 << shift
        let entriesPerFATSector = sectorSize / 4
        let difat = (0..<109).compactMap { header.u32LE(at: 0x4C + $0 * 4) }

        func nextSector(after sector: Int) throws -> Int? {
            let fatIndex = sector / entriesPerFATSector
            guard fatIndex < difat.count else { return nil }
            let fatSector = difat[fatIndex]
            let entryOffset = (fatSector + 1) * sectorSize + (sector % entriesPerFATSector) * 4
            return ByteView(try source.read(at: entryOffset, count: 4)).u32LE(at: 0)
        }

        var names: Set<String> = []
        var visited = 0
        while sector != endOfChain, sector < 0xFFFF_FFF0, visited < maxDirectorySectors {
            let directory = ByteView(try source.read(at: (sector + 1) * sectorSize, count: sectorSize))
            guard directory.count == sectorSize else { break }
            for entry in stride(from: 0, to: sectorSize, by: 128) {
                guard let nameBytes = directory.u16LE(at: entry + 0x40), nameBytes >= 2, nameBytes <= 64
                else { continue }
                let units = (0..<(nameBytes / 2 - 1)).compactMap { directory.u16LE(at: entry + $0 * 2) }
                names.insert(String(decoding: units.map(UInt16.init), as: UTF16.self))
            }
            guard let next = try nextSector(after: sector) else { break }
            sector = next
            visited += 1
        }
        return names
    }
}

/// Recognises raw MPEG audio and ADTS AAC streams that libmagic calls octet-stream, by
/// finding two consecutive valid frame headers (with the probes' own header parsers).
enum AudioSyncSniffer {
    static func audioType(of head: [UInt8]) -> MIMEType? {
        let bytes = ByteView(head)
        let start = ID3.tagLength(bytes)
        if let frame = ADTSProbe.frame(bytes, at: start), ADTSProbe.frame(bytes, at: start + frame.length) != nil {
            return .aac
        }
        if let frame = MP3Probe.frameHeader(bytes, at: start), frame.length > 0,
            MP3Probe.frameHeader(bytes, at: start + frame.length) != nil
        {
            return .mpegAudio
        }
        return nil
    }
}
