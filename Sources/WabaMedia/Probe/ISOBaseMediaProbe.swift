/// One box of an ISO base media file, located but not loaded.
struct ISOBox: Hashable {
    var type: String
    var offset: Int
    var headerSize: Int
    /// The whole box, header included (a size-0 box is resolved to the end of its parent).
    var size: Int

    var payload: Int { offset + headerSize }
    var end: Int { offset + size }
    var payloadSize: Int { size - headerSize }
}

/// Walks the boxes of an MP4, 3GP, M4A or QuickTime file through a ``ByteSource``, reading box
/// headers and the few small boxes that describe the tracks; sample tables and media data are
/// never loaded, so a file of any size costs a few dozen small reads.
/// One ISO box header (size, type, optional 64-bit size), read from bytes: the one reader behind
/// the probe's walker and the rewriter's `moov` tree.
enum ISOBoxHeader {
    struct Header {
        /// The type as text; nil when its bytes are not printable (the probe refuses such a box,
        /// the rewriter copies it as it is).
        var type: String?
        var headerSize: Int
        /// The whole box, header included; a size of 0 ("to the end") is resolved to what is available.
        var size: Int
    }

    enum Outcome {
        case box(Header)
        /// Zero bytes where a box would start: QuickTime ends some lists with four zero bytes.
        case terminator
        /// Fewer than 8 bytes that are not all zero.
        case strayBytes
        case cutOffLargeSize(type: String?)
        /// Smaller than its own header, or larger than the bytes that can hold it.
        case impossibleSize(type: String?, size: UInt64)
    }

    /// The header at `offset` of `bytes`, where `available` bytes from `offset` belong to the parent.
    /// - Parameter largestSize: the most a 64-bit size may declare.
    static func read(_ bytes: ByteView, at offset: Int, available: Int, largestSize: UInt64) -> Outcome {
        guard available >= 8, let size32 = bytes.u32(at: offset) else {
            let rest = bytes.bytes[min(offset, bytes.count)..<min(offset + max(0, available), bytes.count)]
            return rest.allSatisfy({ $0 == 0 }) ? .terminator : .strayBytes
        }
        if size32 == 0, bytes.bytes[(offset + 4)..<(offset + 8)].allSatisfy({ $0 == 0 }) { return .terminator }
        let type = bytes.fourCC(at: offset + 4)
        var size = size32
        var headerSize = 8
        if size32 == 1 {
            guard let large = bytes.u64(at: offset + 8) else { return .cutOffLargeSize(type: type) }
            guard large <= largestSize else { return .impossibleSize(type: type, size: large) }
            size = Int(large)
            headerSize = 16
        } else if size32 == 0 {
            size = available
        }
        guard size >= headerSize else { return .impossibleSize(type: type, size: UInt64(size)) }
        return .box(Header(type: type, headerSize: headerSize, size: size))
    }
}

struct ISOBoxWalker<Source: ByteSource> {
    /// Enough for any real file; a bound against crafted files with millions of tiny boxes.
    static var maxBoxes: Int { 20_000 }

    let source: Source
    var problems: [String] = []
    /// Where the file's media data lies: the payloads of its top-level `mdat` boxes.
    var mediaData: [Range<Int>] = []
    private var boxesRead = 0

    init(source: Source) { self.source = source }

    /// The box header at `offset`, or nil for a zero terminator (QuickTime ends some lists with four zero bytes).
    /// - Throws: ``ProbeDamage`` for an unreadable or impossible header.
    mutating func header(at offset: Int, end: Int, in context: String) throws -> ISOBox? {
        boxesRead += 1
        guard boxesRead <= Self.maxBoxes else {
            throw ProbeDamage("more than \(Self.maxBoxes) boxes: not a plausible media file")
        }
        let available = end - offset
        let bytes = ByteView(try source.readClamped(at: offset, count: min(16, available)))
        // A box may reach past the end here: the probe reports a file cut short by what it misses.
        switch ISOBoxHeader.read(bytes, at: 0, available: available, largestSize: UInt64(Int32.max) * UInt64(Int32.max))
        {
        case .box(let header):
            guard let type = header.type else { throw notABox(at: offset, in: context) }
            return ISOBox(type: type, offset: offset, headerSize: header.headerSize, size: header.size)
        case .terminator:
            return nil
        case .strayBytes:
            throw ProbeDamage("\(available) stray bytes at offset \(offset) at the end of \(context)")
        case .cutOffLargeSize(let type):
            guard let type else { throw notABox(at: offset, in: context) }
            throw ProbeDamage("box '\(type)' at offset \(offset) is cut off in its 64-bit size")
        case .impossibleSize(let type, let size):
            guard let type else { throw notABox(at: offset, in: context) }
            if size < 16 {
                throw ProbeDamage("box '\(type)' at offset \(offset) declares \(size) bytes, less than its own header")
            }
            throw ProbeDamage("box '\(type)' at offset \(offset) declares an impossible size (\(size) bytes)")
        }
    }

    private func notABox(at offset: Int, in context: String) -> ProbeDamage {
        ProbeDamage("no valid box at offset \(offset) in \(context) (the bytes there are not a box type)")
    }

    /// The boxes inside `parent`, starting `skipping` bytes into its payload.
    /// Damage ends the list early and is recorded in ``problems``.
    mutating func children(of parent: ISOBox, skipping: Int = 0) throws -> [ISOBox] {
        var result: [ISOBox] = []
        var offset = parent.payload + skipping
        let end = min(parent.end, source.size)
        while offset < end {
            do {
                guard let box = try header(at: offset, end: end, in: "'\(parent.type)'") else { break }
                guard box.end <= end else {
                    problems.append(
                        "box '\(box.type)' at offset \(box.offset) declares \(box.size) bytes, past the end of "
                            + "'\(parent.type)' (\(end - box.offset) left): the file is damaged or truncated")
                    break
                }
                result.append(box)
                offset = box.end
            } catch let damage as ProbeDamage {
                problems.append(damage.message)
                break
            }
        }
        return result
    }

    /// Up to `limit` bytes of a box's payload.
    func payload(of box: ISOBox, limit: Int = 4096) throws -> ByteView {
        ByteView(try source.readClamped(at: box.payload, count: min(box.payloadSize, limit)))
    }
}

/// The MP4 / 3GP / M4A / QuickTime probe.
enum ISOBaseMediaProbe {
    /// Sample descriptions are small; a larger one is read only this far.
    static let maxSampleDescriptionBytes = 1 << 20

    static func probe(_ source: some ByteSource) throws -> AVInfo {
        var walker = ISOBoxWalker(source: source)
        var topLevel: [ISOBox] = []
        var offset = 0
        while offset < source.size {
            do {
                guard let box = try walker.header(at: offset, end: source.size, in: "the file") else {
                    break
                }
                topLevel.append(box)
                if box.end > source.size {
                    walker.problems.append(
                        "the file is truncated: box '\(box.type)' at offset \(box.offset) declares \(box.size) bytes "
                            + "but only \(source.size - box.offset) remain")
                    break
                }
                offset = box.end
            } catch let damage as ProbeDamage {
                walker.problems.append(damage.message)
                break
            }
        }

        var info = AVInfo(container: .quicktime)
        if let ftyp = topLevel.first(where: { $0.type == "ftyp" }) {
            let bytes = try walker.payload(of: ftyp, limit: 1024)
            info.brand = bytes.fourCC(at: 0)
            info.compatibleBrands = stride(from: 8, to: bytes.count - 3, by: 4).compactMap {
                bytes.fourCC(at: $0)
            }
            info.container = container(brand: info.brand, compatible: info.compatibleBrands)
        } else if topLevel.first.map({
            ["moov", "mdat", "wide", "free", "skip", "pnot"].contains($0.type)
        }) != true {
            walker.problems.append(
                "no 'ftyp' box at the start: not an MP4 or QuickTime file, or a damaged one")
        }
        info.fragmented = topLevel.contains { $0.type == "moof" }
        let moov = topLevel.first { $0.type == "moov" }
        let firstMdat = topLevel.first { $0.type == "mdat" }
        if let moov, let firstMdat { info.faststart = moov.offset < firstMdat.offset }
        guard let moov else {
            walker.problems.append(
                "no 'moov' box (the index of the tracks): the file is truncated or its recording was not finished"
            )
            info.problems = walker.problems
            return info
        }
        walker.mediaData = topLevel.filter { $0.type == "mdat" }.map { $0.payload..<min($0.end, source.size) }
        if firstMdat == nil && !info.fragmented {
            walker.problems.append("no 'mdat' box (the media data): the file holds no audio or video")
        }
        try readMovie(moov, into: &info, walker: &walker)
        for box in topLevel where box.type == "uuid" && box.end <= source.size {
            let payload = try walker.payload(of: box, limit: XMPUUIDBox.maxPayloadBytes).bytes
            if let found = XMPUUIDBox.describeLocation(uuidPayload: payload[...]), !info.location.contains(found) {
                info.location.append(found)
            }
        }
        info.problems = walker.problems
        return info
    }

    static func container(brand: String?, compatible: [String]) -> AVInfo.Container {
        guard let brand else { return .quicktime }
        if brand == "qt  " { return .quicktime }
        if brand.hasPrefix("3gp") || brand.hasPrefix("3g2") || brand.hasPrefix("3ge")
            || brand.hasPrefix("3gg")
        {
            return .threeGP
        }
        if ["M4A ", "M4B ", "M4P "].contains(brand) { return .m4a }
        return .mp4
    }

    static func readMovie(
        _ moov: ISOBox, into info: inout AVInfo, walker: inout ISOBoxWalker<some ByteSource>
    )
        throws
    {
        let children = try walker.children(of: moov)
        var movieDuration: Double?
        if let mvhd = children.first(where: { $0.type == "mvhd" }) {
            let bytes = try walker.payload(of: mvhd, limit: 32)
            movieDuration = headerDuration(bytes)
        } else {
            walker.problems.append("the 'moov' box has no 'mvhd' (movie header)")
        }
        if info.fragmented || movieDuration == 0,
            let mvex = children.first(where: { $0.type == "mvex" }),
            let mehd = try walker.children(of: mvex).first(where: { $0.type == "mehd" }),
            let mvhd = children.first(where: { $0.type == "mvhd" })
        {
            let header = try walker.payload(of: mvhd, limit: 32)
            let timescale = header.u8(at: 0) == 1 ? header.u32(at: 20) : header.u32(at: 12)
            let bytes = try walker.payload(of: mehd, limit: 12)
            let ticks = bytes.u8(at: 0) == 1 ? bytes.u64(at: 4) : bytes.u32(at: 4).map(UInt64.init)
            if let ticks, let timescale { movieDuration = seconds(ticks, timescale: timescale) }
        }
        let traks = children.filter { $0.type == "trak" }
        info.location = try location(in: children, traks: traks, walker: &walker)
        if traks.count > AVProbe.maxTracks {
            info.trackListUnread = "it holds \(traks.count) tracks, more than the \(AVProbe.maxTracks) wamedia reads"
        }
        for trak in traks.prefix(AVProbe.maxTracks) {
            if let track = try readTrack(
                trak, walker: &walker, fragmented: info.fragmented, location: &info.location)
            {
                info.tracks.append(track)
            }
        }
        if movieDuration == nil || movieDuration == 0 {
            movieDuration = info.tracks.compactMap(\.durationSeconds).max()
        }
        info.durationSeconds = movieDuration.map { ($0 * 1000).rounded() / 1000 }
        if info.tracks.isEmpty {
            walker.problems.append("the 'moov' box describes no tracks")
        }
    }

    /// What records a location in the movie's and its tracks' `udta` and `meta` boxes.
    static func location(
        in movie: [ISOBox], traks: [ISOBox], walker: inout ISOBoxWalker<some ByteSource>
    ) throws -> [String] {
        var boxes = movie
        for trak in traks.prefix(AVProbe.maxTracks) { boxes += try walker.children(of: trak) }
        var found: [String] = []
        for box in movie where box.type == "uuid" {
            let payload = try walker.payload(of: box, limit: XMPUUIDBox.maxPayloadBytes).bytes
            if let name = XMPUUIDBox.describeLocation(uuidPayload: payload[...]), !found.contains(name) {
                found.append(name)
            }
        }
        for box in boxes where box.type == "udta" || box.type == "meta" {
            let payload = try walker.payload(of: box, limit: LocationAtoms.maxPayloadBytes).bytes
            let names =
                box.type == "udta"
                ? LocationAtoms.find(inUserData: payload) : LocationAtoms.find(inMetadata: payload)
            for name in names where !found.contains(name) { found.append(name) }
        }
        return found
    }

    /// Duration in seconds from an `mvhd` or `mdhd` payload (both put the clock in the same place).
    static func headerDuration(_ bytes: ByteView) -> Double? {
        if bytes.u8(at: 0) == 1 {
            guard let timescale = bytes.u32(at: 20), let ticks = bytes.u64(at: 24), ticks != UInt64.max
            else {
                return nil
            }
            return seconds(ticks, timescale: timescale)
        }
        guard let timescale = bytes.u32(at: 12), let ticks = bytes.u32(at: 16), ticks != 0xFFFF_FFFF
        else {
            return nil
        }
        return seconds(UInt64(ticks), timescale: timescale)
    }

    /// - Parameter location: gains the track's own name when its samples record positions
    ///   (``LocationTracks``).
    static func readTrack(
        _ trak: ISOBox, walker: inout ISOBoxWalker<some ByteSource>, fragmented: Bool,
        location: inout [String]
    ) throws
        -> AVTrack?
    {
        let children = try walker.children(of: trak)
        var id: Int?
        var rotation: Int?
        if let tkhd = children.first(where: { $0.type == "tkhd" }) {
            let bytes = try walker.payload(of: tkhd, limit: 96)
            let isVersion1 = bytes.u8(at: 0) == 1
            id = bytes.u32(at: isVersion1 ? 20 : 12)
            rotation = self.rotation(matrix: bytes, at: isVersion1 ? 52 : 40)
        }
        let name = id.map { "track \($0)" } ?? "a track"
        guard let mdia = children.first(where: { $0.type == "mdia" }) else {
            walker.problems.append("\(name) has no 'mdia' box")
            return nil
        }
        let media = try walker.children(of: mdia)
        var handler = ""
        if let hdlr = media.first(where: { $0.type == "hdlr" }) {
            handler = try walker.payload(of: hdlr, limit: 12).fourCC(at: 8) ?? ""
        }
        var durationSeconds: Double?
        var timescaleTicks: (UInt64, Int)?
        if let mdhd = media.first(where: { $0.type == "mdhd" }) {
            let bytes = try walker.payload(of: mdhd, limit: 32)
            durationSeconds = headerDuration(bytes)
            if bytes.u8(at: 0) == 1 {
                if let scale = bytes.u32(at: 20), let ticks = bytes.u64(at: 24) {
                    timescaleTicks = (ticks, scale)
                }
            } else if let scale = bytes.u32(at: 12), let ticks = bytes.u32(at: 16) {
                timescaleTicks = (UInt64(ticks), scale)
            }
        }
        let kind = trackKind(handler: handler)
        var track = AVTrack(id: id, kind: kind, codec: handler.isEmpty ? "unknown" : handler)
        track.durationSeconds = durationSeconds.map { ($0 * 1000).rounded() / 1000 }
        if kind == .video { track.rotation = rotation }

        guard let minf = media.first(where: { $0.type == "minf" }),
            let stbl = try walker.children(of: minf).first(where: { $0.type == "stbl" })
        else {
            walker.problems.append("\(name) has no sample table ('minf'/'stbl')")
            return track
        }
        let table = try walker.children(of: stbl)
        if let stsd = table.first(where: { $0.type == "stsd" }) {
            let bytes = try walker.payload(of: stsd, limit: maxSampleDescriptionBytes)
            readSampleDescription(bytes, into: &track, trackName: name, problems: &walker.problems)
            if let found = LocationTracks.describe(sampleDescription: bytes.bytes), !location.contains(found) {
                location.append(found)
            }
        } else {
            walker.problems.append("\(name) has no sample description ('stsd')")
        }
        var sampleCount: Int?
        if let stsz = table.first(where: { $0.type == "stsz" || $0.type == "stz2" }) {
            sampleCount = try walker.payload(of: stsz, limit: 12).u32(at: 8)
        }
        if kind == .video {
            track.hasBFrames = table.contains { $0.type == "ctts" }
            if let sampleCount, sampleCount > 0, let (ticks, scale) = timescaleTicks, ticks > 0, scale > 0 {
                let rate = Double(sampleCount) * Double(scale) / Double(ticks)
                track.frameRate = (rate * 1000).rounded() / 1000
            }
        }
        if !fragmented, (sampleCount ?? 0) > 0 {
            if let offsets = table.first(where: { $0.type == "stco" || $0.type == "co64" }) {
                try checkSamplesLieInMediaData(
                    offsets: offsets, sizes: table.first { $0.type == "stsz" }, trackName: name, walker: &walker)
            } else {
                walker.problems.append(
                    "\(name) has samples but no chunk offsets ('stco'/'co64'): it cannot be played")
            }
        }
        return track
    }

    /// The most bytes of a sample table read to check it; a larger table (hours of video) is left
    /// to the decoder.
    static let maxSampleTableBytes = 4 << 20

    /// Records a problem when the track's samples are not in the file's media data: a chunk offset
    /// outside every `mdat`, or sample sizes adding up to more than the `mdat` boxes hold. A player
    /// then reads the index and finds no audio or video (an M4A whose media data was cut away, an
    /// MP4 whose chunk offsets point past its data).
    static func checkSamplesLieInMediaData(
        offsets: ISOBox, sizes: ISOBox?, trackName name: String, walker: inout ISOBoxWalker<some ByteSource>
    ) throws {
        guard offsets.payloadSize <= maxSampleTableBytes else { return }
        let table = try walker.payload(of: offsets, limit: maxSampleTableBytes)
        let entrySize = offsets.type == "co64" ? 8 : 4
        let count = min(table.u32(at: 4) ?? 0, max(0, (table.count - 8) / entrySize))
        let mediaData = walker.mediaData
        for index in 0..<count {
            let at = 8 + index * entrySize
            guard let offset = entrySize == 8 ? table.u64(at: at).map { Int(clamping: $0) } : table.u32(at: at) else {
                break
            }
            guard mediaData.contains(where: { $0.contains(offset) }) else {
                walker.problems.append(
                    "\(name)'s samples are said to be at offset \(offset), outside the media data ('mdat'): "
                        + "the file is damaged or its media data was cut away")
                return
            }
        }
        guard let sizes, sizes.payloadSize <= maxSampleTableBytes else { return }
        let sizeTable = try walker.payload(of: sizes, limit: maxSampleTableBytes)
        guard let uniform = sizeTable.u32(at: 4), let samples = sizeTable.u32(at: 8) else { return }
        var total = uniform * samples
        if uniform == 0 {
            total = 0
            for index in 0..<min(samples, max(0, (sizeTable.count - 12) / 4)) {
                total += sizeTable.u32(at: 12 + index * 4) ?? 0
            }
        }
        let held = mediaData.reduce(0) { $0 + $1.count }
        if total > held {
            walker.problems.append(
                "\(name)'s samples add up to \(total) bytes and the media data ('mdat') holds \(held): "
                    + "the file is damaged or truncated")
        }
    }

    static func trackKind(handler: String) -> AVTrack.Kind {
        switch handler {
        case "vide": .video
        case "soun": .audio
        case "tmcd": .timecode
        case "text", "sbtl", "subt", "clcp": .subtitle
        case "meta", "mdta", "mdir": .metadata
        default: .other
        }
    }

    /// Clockwise rotation from a `tkhd` matrix (16.16 fixed point `a b u c d v x y w`).
    static func rotation(matrix bytes: ByteView, at offset: Int) -> Int? {
        guard let a = bytes.s32(at: offset), let b = bytes.s32(at: offset + 4),
            let c = bytes.s32(at: offset + 12),
            let d = bytes.s32(at: offset + 16)
        else { return nil }
        switch (a.signum(), b.signum(), c.signum(), d.signum()) {
        case (0, 1, -1, 0): return 90
        case (-1, 0, 0, -1): return 180
        case (0, -1, 1, 0): return 270
        default: return 0
        }
    }

    /// Reads the first sample entry of an `stsd` payload (version/flags, count, entries).
    static func readSampleDescription(
        _ bytes: ByteView, into track: inout AVTrack, trackName: String, problems: inout [String]
    ) {
        guard let count = bytes.u32(at: 4), count > 0 else {
            problems.append("\(trackName) has an empty sample description")
            return
        }
        guard let entrySize = bytes.u32(at: 8), let fourcc = bytes.fourCC(at: 12), entrySize >= 16
        else {
            problems.append("\(trackName) has an unreadable sample entry")
            return
        }
        let entryEnd = min(8 + entrySize, bytes.count)
        track.codecTag = fourcc
        track.codec = codecName(fourcc: fourcc)
        if track.kind == .other || track.kind == .metadata, ["mp4a", "avc1", "hvc1"].contains(fourcc) {
            // A few muxers leave the handler empty; the sample entry still says what the track is.
            track.kind = fourcc == "mp4a" ? .audio : .video
        }
        let entry = 8  // where the entry box starts inside the stsd payload
        switch track.kind {
        case .video:
            track.width = bytes.u16(at: entry + 32)
            track.height = bytes.u16(at: entry + 34)
            for child in boxes(in: bytes, from: entry + 86, to: entryEnd) {
                switch child.type {
                case "avcC":
                    readAVCConfiguration(bytes, at: child.payload, into: &track)
                case "colr" where ["nclx", "nclc"].contains(bytes.fourCC(at: child.payload) ?? ""):
                    // Colour primaries, then the transfer function (16 PQ, 18 HLG), then the matrix.
                    track.colourTransfer = bytes.u16(at: child.payload + 6)
                default: break
                }
            }
        case .audio:
            let version = bytes.u16(at: entry + 16) ?? 0
            track.channels = bytes.u16(at: entry + 24)
            if let rate = bytes.u32(at: entry + 32) { track.sampleRate = rate >> 16 }
            var childrenStart = entry + 36
            if version == 1 {
                childrenStart = entry + 52
            } else if version == 2 {
                childrenStart = entry + 72
                if let bits = bytes.u64(at: entry + 40) {
                    let rate = Double(bitPattern: bits)
                    if rate.isFinite, rate > 0, rate < 10_000_000 { track.sampleRate = Int(rate) }
                }
                track.channels = bytes.u32(at: entry + 48)
            }
            var decoderConfig: (Int, Int)?  // where an esds payload lies
            for child in boxes(in: bytes, from: childrenStart, to: entryEnd) {
                if child.type == "esds" {
                    decoderConfig = (child.payload, child.end)
                } else if child.type == "wave" {
                    for inner in boxes(in: bytes, from: child.payload, to: child.end)
                    where inner.type == "esds" {
                        decoderConfig = (inner.payload, inner.end)
                    }
                }
            }
            if fourcc == "mp4a" {
                if let (start, end) = decoderConfig {
                    readElementaryStreamDescriptor(bytes, from: start + 4, to: end, into: &track)
                }
            }
        default:
            break
        }
    }

    /// Box headers inside an in-memory buffer, stopping at the first that does not fit.
    static func boxes(in bytes: ByteView, from start: Int, to end: Int) -> [ISOBox] {
        var result: [ISOBox] = []
        var offset = start
        let end = min(end, bytes.count)
        while offset + 8 <= end, result.count < 64 {
            guard let size = bytes.u32(at: offset), let type = bytes.fourCC(at: offset + 4), size >= 8,
                size <= end - offset
            else { break }
            result.append(ISOBox(type: type, offset: offset, headerSize: 8, size: size))
            offset += size
        }
        return result
    }

    static func codecName(fourcc: String) -> String {
        switch fourcc {
        case "avc1", "avc2", "avc3", "avc4": "h264"
        case "hvc1", "hev1", "dvh1", "dvhe": "hevc"
        case "av01": "av1"
        case "vp08": "vp8"
        case "vp09": "vp9"
        case "mp4v": "mpeg4"
        case "s263", "h263", "H263": "h263"
        case "jpeg", "mjpa", "mjpb": "mjpeg"
        case "apch", "apcn", "apcs", "apco", "ap4h", "ap4x": "prores"
        case "mp4a": "aac"
        case ".mp3", "mp3 ": "mp3"
        case "ac-3": "ac3"
        case "ec-3": "eac3"
        case "Opus": "opus"
        case "fLaC": "flac"
        case "alac": "alac"
        case "samr": "amr_nb"
        case "sawb": "amr_wb"
        case "sowt": "pcm_s16le"
        case "twos": "pcm_s16be"
        case "lpcm", "ipcm", "in24", "in32", "fl32", "fl64", "raw ": "pcm"
        case "ulaw": "pcm_mulaw"
        case "alaw": "pcm_alaw"
        case "tmcd": "timecode"
        case "tx3g", "text": "mov_text"
        case "c608": "eia_608"
        case "wvtt": "webvtt"
        case "mebx": "metadata"
        default: fourcc.trimmingSpaces()
        }
    }

    static func readAVCConfiguration(_ bytes: ByteView, at offset: Int, into track: inout AVTrack) {
        guard let profile = bytes.u8(at: offset + 1), let compatibility = bytes.u8(at: offset + 2),
            let level = bytes.u8(at: offset + 3)
        else { return }
        track.h264Profile = h264ProfileName(profile, constraints: compatibility)
        if level == 9 || (level == 11 && profile == 66 && compatibility & 0x10 != 0) {
            track.h264Level = "1b"
        } else {
            track.h264Level = level % 10 == 0 ? "\(level / 10)" : "\(level / 10).\(level % 10)"
        }
    }

    static func h264ProfileName(_ profile: Int, constraints: Int) -> String {
        switch profile {
        case 66: constraints & 0x40 != 0 ? "constrained-baseline" : "baseline"
        case 77: "main"
        case 88: "extended"
        case 100: "high"
        case 110: "high10"
        case 122: "high422"
        case 244: "high444"
        case 44: "cavlc444"
        case 83, 86: "scalable"
        case 118, 128: "multiview"
        default: "profile-\(profile)"
        }
    }

    /// Reads an `esds` ES_Descriptor: the object type, and the AAC AudioSpecificConfig when present.
    static func readElementaryStreamDescriptor(
        _ bytes: ByteView, from start: Int, to end: Int, into track: inout AVTrack
    ) {
        var offset = start
        let end = min(end, bytes.count)

        /// A descriptor's tag and length; the length is up to four 7-bit groups.
        func descriptor() -> (tag: Int, length: Int)? {
            guard let tag = bytes.u8(at: offset) else { return nil }
            offset += 1
            var length = 0
            for _ in 0..<4 {
                guard offset < end, let byte = bytes.u8(at: offset) else { return nil }
                offset += 1
                length = length << 7 | (byte & 0x7F)
                if byte & 0x80 == 0 { break }
            }
            return (tag, length)
        }

        guard let es = descriptor(), es.tag == 0x03, let flags = bytes.u8(at: offset + 2) else {
            return
        }
        offset += 3
        if flags & 0x80 != 0 { offset += 2 }
        if flags & 0x40 != 0 { offset += 1 + (bytes.u8(at: offset) ?? 0) }
        if flags & 0x20 != 0 { offset += 2 }
        guard offset < end, let config = descriptor(), config.tag == 0x04,
            let objectType = bytes.u8(at: offset)
        else { return }
        track.objectType = objectType
        switch objectType {
        case 0x40, 0x66, 0x67, 0x68: track.codec = "aac"
        case 0x69, 0x6B: track.codec = "mp3"
        case 0xA5: track.codec = "ac3"
        case 0xA6: track.codec = "eac3"
        case 0xA9: track.codec = "dts"
        case 0xDD: track.codec = "vorbis"
        default: track.codec = "mp4a-0x" + String(objectType, radix: 16)
        }
        offset += 13
        guard track.codec == "aac", offset < end, let specific = descriptor(), specific.tag == 0x05,
            specific.length >= 2, let asc = bytes.slice(offset, min(specific.length, 16, end - offset))
        else { return }
        var reader = BitReader(asc)
        guard var audioObjectType = reader.bits(5) else { return }
        if audioObjectType == 31, let extended = reader.bits(6) { audioObjectType = 32 + extended }
        track.audioObjectType = audioObjectType
        guard let rateIndex = reader.bits(4) else { return }
        var rate: Int?
        if rateIndex == 15 {
            rate = reader.bits(24)
        } else {
            rate = ADTSProbe.sampleRate(index: rateIndex)
        }
        if (track.sampleRate ?? 0) == 0 { track.sampleRate = rate }
        if let channelConfiguration = reader.bits(4), (1...7).contains(channelConfiguration) {
            track.channels = channelConfiguration == 7 ? 8 : channelConfiguration
        }
    }
}

/// Reads bits most-significant first from a short buffer; nil past the end.
struct BitReader {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func bits(_ count: Int) -> Int? {
        guard count <= 32, position + count <= bytes.count * 8 else { return nil }
        var value = 0
        for _ in 0..<count {
            let bit = Int(bytes[position >> 3] >> (7 - UInt8(position & 7))) & 1
            value = value << 1 | bit
            position += 1
        }
        return value
    }

    mutating func skip(_ count: Int) { position += count }
}

extension String {
    func trimmingSpaces() -> String {
        var result = Substring(self)
        while result.last == " " { result = result.dropLast() }
        return String(result)
    }
}
