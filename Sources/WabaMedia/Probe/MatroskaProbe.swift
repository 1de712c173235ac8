/// WebM and Matroska (EBML): enough of the header and the track list to name the codecs, so such
/// files are refused with a clear reason.
enum MatroskaProbe {
    static let maxElements = 10_000
    /// Track lists, Info and SeekHead are small; larger master elements are read only this far.
    static let maxMasterBytes = 1 << 20

    enum ID {
        static let ebml = 0x1A45_DFA3
        static let docType = 0x4282
        static let segment = 0x1853_8067
        static let seekHead = 0x114D_9B74
        static let seek = 0x4DBB
        static let seekID = 0x53AB
        static let seekPosition = 0x53AC
        static let info = 0x1549_A966
        static let timecodeScale = 0x2AD7B1
        static let duration = 0x4489
        static let tracks = 0x1654_AE6B
        static let trackEntry = 0xAE
        static let trackNumber = 0xD7
        static let trackType = 0x83
        static let codecID = 0x86
        static let video = 0xE0
        static let pixelWidth = 0xB0
        static let pixelHeight = 0xBA
        static let colour = 0x55B0
        static let transferCharacteristics = 0x55BA
        static let audio = 0xE1
        static let samplingFrequency = 0xB5
        static let channels = 0x9F
        static let cluster = 0x1F43_B675
    }

    struct Element {
        var id: Int
        /// Where the element's data starts, relative to the buffer or file it was read from.
        var dataOffset: Int
        /// nil for an element of unknown size (a live stream's segment or cluster).
        var dataSize: Int?
    }

    /// Reads an element header at `offset`: the ID keeps its length marker, the size loses it.
    static func element(_ bytes: ByteView, at offset: Int) -> Element? {
        guard let first = bytes.u8(at: offset), first != 0 else { return nil }
        let idLength = first.leadingZeroBitCount - (Int.bitWidth - 8) + 1
        guard idLength <= 4, bytes.has(idLength, at: offset) else { return nil }
        var id = 0
        for index in 0..<idLength { id = id << 8 | Int(bytes.bytes[offset + index]) }
        let sizeOffset = offset + idLength
        guard let sizeFirst = bytes.u8(at: sizeOffset), sizeFirst != 0 else { return nil }
        let sizeLength = sizeFirst.leadingZeroBitCount - (Int.bitWidth - 8) + 1
        guard sizeLength <= 8, bytes.has(sizeLength, at: sizeOffset) else { return nil }
        var size = sizeFirst & (0xFF >> sizeLength)
        var allOnes = size == (0xFF >> sizeLength)
        for index in 1..<max(1, sizeLength) {
            let byte = Int(bytes.bytes[sizeOffset + index])
            size = size << 8 | byte
            allOnes = allOnes && byte == 0xFF
        }
        if sizeLength == 1 { allOnes = size == 0x7F }
        return Element(id: id, dataOffset: sizeOffset + sizeLength, dataSize: allOnes ? nil : size)
    }

    /// The child elements inside `bytes[start..<end]`.
    static func children(_ bytes: ByteView, from start: Int, to end: Int) -> [Element] {
        var result: [Element] = []
        var offset = start
        let end = min(end, bytes.count)
        while offset < end, result.count < maxElements, let element = element(bytes, at: offset),
            let size = element.dataSize, size <= end - element.dataOffset
        {
            result.append(element)
            offset = element.dataOffset + size
        }
        return result
    }

    static func unsigned(_ bytes: ByteView, _ element: Element) -> Int? {
        guard let size = element.dataSize, size >= 1, size <= 8, bytes.has(size, at: element.dataOffset)
        else {
            return nil
        }
        return bytes.bytes[element.dataOffset..<(element.dataOffset + size)].reduce(0) {
            $0 << 8 | Int($1)
        }
    }

    static func float(_ bytes: ByteView, _ element: Element) -> Double? {
        guard let size = element.dataSize else { return nil }
        if size == 4, let bits = bytes.u32(at: element.dataOffset) {
            return Double(Float(bitPattern: UInt32(bits)))
        }
        if size == 8, let bits = bytes.u64(at: element.dataOffset) { return Double(bitPattern: bits) }
        return nil
    }

    static func string(_ bytes: ByteView, _ element: Element) -> String? {
        guard let size = element.dataSize, size <= 256, let raw = bytes.slice(element.dataOffset, size)
        else {
            return nil
        }
        return String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }

    static func probe(_ source: some ByteSource) throws -> AVInfo {
        var info = AVInfo(container: .matroska)
        let head = ByteView(try source.readClamped(at: 0, count: 4096))
        guard let ebml = element(head, at: 0), ebml.id == ID.ebml, let ebmlSize = ebml.dataSize else {
            info.problems.append("the EBML header is damaged")
            return info
        }
        let header = children(head, from: ebml.dataOffset, to: ebml.dataOffset + ebmlSize)
        if let docType = header.first(where: { $0.id == ID.docType }).flatMap({ string(head, $0) }) {
            info.brand = docType
            if docType == "webm" { info.container = .webm }
        }
        let segmentOffset = ebml.dataOffset + ebmlSize
        guard let segment = element(head, at: segmentOffset), segment.id == ID.segment else {
            info.problems.append(
                "no Matroska segment after the EBML header: the file is damaged or truncated")
            return info
        }
        if let size = segment.dataSize, segment.dataOffset + size > source.size {
            info.problems.append("the Matroska segment is cut off: the file is truncated")
        }
        let layout = try SegmentLayout(source, segment: segment, problems: &info.problems)

        if let data = try layout.master(ID.info, in: source)?.data {
            info.durationSeconds = duration(inInfo: data)
        }
        guard let (tracks, tracksSize) = try layout.master(ID.tracks, in: source) else {
            info.problems.append("no Matroska track list: the file is damaged or truncated")
            return info
        }
        let entries = children(tracks, from: 0, to: tracks.count).filter { $0.id == ID.trackEntry }
        if tracksSize > maxMasterBytes {
            info.trackListUnread =
                "its track list takes \(ByteCount(tracksSize)), more than the "
                + "\(ByteCount(maxMasterBytes)) wamedia reads"
        } else if entries.count > AVProbe.maxTracks {
            info.trackListUnread = "it holds \(entries.count) tracks, more than the \(AVProbe.maxTracks) wamedia reads"
        }
        info.tracks = entries.prefix(AVProbe.maxTracks).map { track(tracks, entry: $0) }
        return info
    }

    /// Where the segment's top-level elements start, up to the first cluster: Info and Tracks come
    /// first in practice, and the SeekHead says where they are otherwise.
    struct SegmentLayout {
        /// Element ID -> file offset of its header.
        var found: [Int: Int] = [:]

        init(_ source: some ByteSource, segment: Element, problems: inout [String]) throws {
            let segmentData = segment.dataOffset
            let segmentEnd = segment.dataSize.map { min(source.size, segmentData + $0) } ?? source.size
            var seekTargets: [Int: Int] = [:]
            var offset = segmentData
            var visited = 0
            while offset < segmentEnd, visited < 64 {
                visited += 1
                let bytes = ByteView(try source.readClamped(at: offset, count: 16))
                guard let element = element(bytes, at: 0) else {
                    problems.append("unreadable Matroska element at offset \(offset): the file is damaged")
                    break
                }
                if element.id == ID.cluster { break }
                if found[element.id] == nil { found[element.id] = offset }
                guard let size = element.dataSize else { break }
                if element.id == ID.seekHead {
                    let data = ByteView(
                        try source.readClamped(at: offset + element.dataOffset, count: min(size, maxMasterBytes)))
                    for (target, position) in seeks(in: data) where position >= 0 && position < source.size {
                        seekTargets[target] = segmentData + position
                    }
                }
                offset += element.dataOffset + size
            }
            for id in [ID.info, ID.tracks] where found[id] == nil {
                if let target = seekTargets[id], target < segmentEnd { found[id] = target }
            }
        }

        /// The start of a master element's data (``maxMasterBytes`` at most) and its declared size.
        func master(_ id: Int, in source: some ByteSource) throws -> (data: ByteView, size: Int)? {
            guard let start = found[id] else { return nil }
            let headerBytes = ByteView(try source.readClamped(at: start, count: 16))
            guard let element = element(headerBytes, at: 0), element.id == id, let size = element.dataSize
            else {
                return nil
            }
            let data = ByteView(
                try source.readClamped(at: start + element.dataOffset, count: min(size, maxMasterBytes)))
            return (data, size)
        }
    }

    /// The SeekHead's entries: element ID and position relative to the segment's data.
    static func seeks(in data: ByteView) -> [(target: Int, position: Int)] {
        children(data, from: 0, to: data.count).filter { $0.id == ID.seek }.compactMap { seek in
            let fields = children(data, from: seek.dataOffset, to: seek.dataOffset + (seek.dataSize ?? 0))
            guard let idField = fields.first(where: { $0.id == ID.seekID }), let target = unsigned(data, idField),
                let position = fields.first(where: { $0.id == ID.seekPosition }).flatMap({ unsigned(data, $0) })
            else { return nil }
            return (target, position)
        }
    }

    /// The duration the Info element gives, in seconds rounded to milliseconds.
    static func duration(inInfo data: ByteView) -> Double? {
        let fields = children(data, from: 0, to: data.count)
        let scale = fields.first(where: { $0.id == ID.timecodeScale }).flatMap { unsigned(data, $0) } ?? 1_000_000
        guard let duration = fields.first(where: { $0.id == ID.duration }).flatMap({ float(data, $0) }),
            duration.isFinite, duration > 0
        else { return nil }
        return (duration * Double(scale) / 1e9 * 1000).rounded() / 1000
    }

    /// One TrackEntry of the track list.
    static func track(_ tracks: ByteView, entry: Element) -> AVTrack {
        let fields = children(tracks, from: entry.dataOffset, to: entry.dataOffset + (entry.dataSize ?? 0))
        func field(_ id: Int) -> Element? { fields.first { $0.id == id } }
        func settings(_ master: Element) -> [Element] {
            children(tracks, from: master.dataOffset, to: master.dataOffset + (master.dataSize ?? 0))
        }
        let codecID = field(ID.codecID).flatMap { string(tracks, $0) } ?? ""
        let kind: AVTrack.Kind
        switch field(ID.trackType).flatMap({ unsigned(tracks, $0) }) {
        case 1: kind = .video
        case 2: kind = .audio
        case 17: kind = .subtitle
        case 33: kind = .metadata
        default: kind = .other
        }
        var track = AVTrack(
            id: field(ID.trackNumber).flatMap { unsigned(tracks, $0) }, kind: kind, codec: codecName(codecID),
            codecTag: codecID)
        if let video = field(ID.video) {
            let settings = settings(video)
            track.width = settings.first { $0.id == ID.pixelWidth }.flatMap { unsigned(tracks, $0) }
            track.height = settings.first { $0.id == ID.pixelHeight }.flatMap { unsigned(tracks, $0) }
            if let colour = settings.first(where: { $0.id == ID.colour }) {
                track.colourTransfer = children(
                    tracks, from: colour.dataOffset, to: colour.dataOffset + (colour.dataSize ?? 0)
                ).first { $0.id == ID.transferCharacteristics }.flatMap { unsigned(tracks, $0) }
            }
        }
        if let audio = field(ID.audio) {
            let settings = settings(audio)
            track.channels = settings.first { $0.id == ID.channels }.flatMap { unsigned(tracks, $0) } ?? 1
            if let rate = settings.first(where: { $0.id == ID.samplingFrequency }).flatMap({ float(tracks, $0) }),
                rate.isFinite, rate > 0, rate < 10_000_000
            {
                track.sampleRate = Int(rate)
            }
        }
        return track
    }

    static func codecName(_ codecID: String) -> String {
        switch codecID {
        case "V_VP8": "vp8"
        case "V_VP9": "vp9"
        case "V_AV1": "av1"
        case "V_MPEG4/ISO/AVC": "h264"
        case "V_MPEGH/ISO/HEVC": "hevc"
        case "V_THEORA": "theora"
        case "A_OPUS": "opus"
        case "A_VORBIS": "vorbis"
        case "A_FLAC": "flac"
        case "A_MPEG/L3": "mp3"
        case "A_AC3": "ac3"
        case "A_EAC3": "eac3"
        case "A_PCM/INT/LIT": "pcm_s16le"
        case "S_TEXT/UTF8": "subrip"
        case "S_TEXT/WEBVTT": "webvtt"
        default:
            if codecID.hasPrefix("A_AAC") {
                "aac"
            } else {
                codecID.isEmpty ? "unknown" : codecID.lowercased()
            }
        }
    }
}
