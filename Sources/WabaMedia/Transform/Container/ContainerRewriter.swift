#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Rewrites MP4 / QuickTime containers without touching the coded samples: `moov` first
/// (faststart), QuickTime to MP4, one audio track of several.
///
/// Only the `moov` box is held in memory; media data is copied through a bounded buffer.
public enum ContainerRewriter {
    /// A `moov` larger than this is refused (a 16 MB video has one of a few hundred KB).
    public static let maxMovieBoxBytes = 256 << 20
    static let copyBufferBytes = 1 << 20

    /// What `rewrite` would change for a file with this probe, and whether it can.
    public static func plan(for info: AVInfo, options: ContainerRewriteOptions = .init())
        -> ContainerRewritePlan
    {
        var actions: [ContainerRewritePlan.Action] = []
        if info.faststart == false { actions.append(.faststart) }
        if info.container == .quicktime && options.convertQuickTime {
            actions.append(.quickTimeToMP4)
            if info.tracks.contains(where: { $0.kind != .video && $0.kind != .audio }) {
                actions.append(.dropNonMediaTracks)
            }
        }
        let audioCount = info.audioTracks.count
        if options.keepOneAudioTrack && audioCount > 1 { actions.append(.keepOneAudioTrack) }
        if !options.keepMetadata && !info.location.isEmpty { actions.append(.dropLocation) }
        if info.container == .mp4, isM4VBrand(info) { actions.append(.mp4Brand) }
        var obstacle: ContainerRewritePlan.Obstacle?
        if !info.container.isISOBaseMedia {
            obstacle = .notISOBaseMedia(info.container)
        } else if !info.problems.isEmpty {
            obstacle = .damaged(info.problems)
        } else if info.fragmented {
            obstacle = .fragmented
        } else if let index = options.audioTrack, audioCount > 0, index < 0 || index >= audioCount {
            obstacle = .noSuchAudioTrack(index: index, count: audioCount)
        }
        return ContainerRewritePlan(actions: actions, obstacle: obstacle)
    }

    /// Whether the file calls itself an iTunes video (`M4V `, `M4VH`, `M4VP`): libmagic and strict
    /// receivers then take it for `video/x-m4v`, not MP4.
    static func isM4VBrand(_ info: AVInfo) -> Bool {
        info.brand.map { $0.hasPrefix("M4V") } ?? false
    }

    /// Writes a rewritten copy of the MP4 or QuickTime file at `input` to `output`: `moov` first,
    /// and the other changes `options` allow that the file needs.
    ///
    /// - Throws: ``WabaMediaError`` `unsupported-input` for a file that cannot be rewritten (damaged,
    ///   fragmented, not ISO), `invalid-argument` for a missing audio track or an output that is the
    ///   input, `io-error` when writing fails (the partial output is removed).
    @discardableResult
    public static func rewrite(
        input: String, output: String, options: ContainerRewriteOptions = .init()
    ) throws
        -> ContainerRewriteResult
    {
        try rewrite(FileSource(path: input), output: output, options: options)
    }

    /// Rewrites a file that is already open, reading it through that descriptor only.
    @discardableResult
    public static func rewrite(
        _ source: FileSource, output: String, options: ContainerRewriteOptions = .init()
    ) throws -> ContainerRewriteResult {
        let input = source.path
        let destination = try OutputFile(replacing: output, notOverwriting: [source])
        let info = try ISOBaseMediaProbe.probe(source)
        let plan = plan(for: info, options: options)
        if let obstacle = plan.obstacle { throw obstacle.error(rewriting: input) }

        let topLevel = try topLevelBoxes(of: source)
        var moov = try movie(in: topLevel, of: source)
        let converting = info.container == .quicktime && options.convertQuickTime
        var dropped: [AVTrack] = []
        var erased: [Range<Int>] = []
        var actions = try rewriteMovie(
            &moov, info: info, options: options, converting: converting, dropped: &dropped, erasing: &erased)

        // Layout: ftyp, moov, then every other box in its original order.
        let rebrand = !converting && info.container == .mp4 && isM4VBrand(info)
        if rebrand { actions.append(.mp4Brand) }
        let ftyp = try fileType(converting: converting || rebrand, topLevel: topLevel, of: source)
        let skipped: Set<String> = ["ftyp", "moov", "free", "skip", "wide"]
        var copied = topLevel.filter { !skipped.contains($0.type) }
        if !options.keepMetadata {
            let before = copied.count
            copied = try copied.filter { try !isXMPWithLocation($0, of: source) }
            if copied.count != before, !actions.contains(.dropLocation) { actions.append(.dropLocation) }
        }
        let (layout, widened) = try layOut(copied, after: ftyp, moving: &moov, of: source)

        let moovData = moov.serialized()
        let written = try destination.withDescriptor { descriptor throws -> Int in
            try OutputFile.writeAll(descriptor, ftyp, path: output)
            try OutputFile.writeAll(descriptor, moovData, path: output)
            return try ftyp.count + moovData.count
                + copyBoxes(layout, from: source, to: descriptor, path: output, erasing: erased)
        }
        // The samples were copied from the file that was probed: a write meanwhile would have
        // mixed two versions.
        try source.checkUnchanged()
        try destination.commit()
        let outputMIME: MIMEType =
            converting || info.container == .mp4 || info.container == .m4a
            ? (info.videoTracks.isEmpty ? .m4a : .mp4)
            : (info.container == .threeGP ? .threeGPP : .quickTime)
        return ContainerRewriteResult(
            actions: actions, outputMIME: outputMIME, droppedTracks: dropped,
            widenedChunkOffsetTables: widened,
            bytesWritten: written)
    }

    /// Whether a top-level box is an XMP `uuid` box with GPS properties.
    private static func isXMPWithLocation(_ box: ISOBox, of source: FileSource) throws -> Bool {
        guard box.type == "uuid" else { return false }
        let payload = try source.readClamped(at: box.payload, count: min(box.payloadSize, XMPUUIDBox.maxPayloadBytes))
        return XMPUUIDBox.describeLocation(uuidPayload: payload[...]) != nil
    }

    /// The file's top-level boxes, in order.
    private static func topLevelBoxes(of source: FileSource) throws -> [ISOBox] {
        var walker = ISOBoxWalker(source: source)
        var topLevel: [ISOBox] = []
        var offset = 0
        while offset < source.size,
            let box = try walker.header(at: offset, end: source.size, in: "the file")
        {
            topLevel.append(box)
            offset = box.end
        }
        return topLevel
    }

    /// The `moov` box, read whole and parsed.
    private static func movie(in topLevel: [ISOBox], of source: FileSource) throws -> MP4Node {
        let input = source.path
        guard let moovBox = topLevel.first(where: { $0.type == "moov" }) else {
            throw WabaMediaError(.unsupportedInput, "cannot rewrite \(input): it has no 'moov' box")
        }
        guard moovBox.size <= maxMovieBoxBytes else {
            throw WabaMediaError(
                .unsupportedInput, "cannot rewrite \(input): its 'moov' box is \(moovBox.size) bytes",
                hint: "files with such large indexes are not rewritten; use ffmpeg -movflags +faststart")
        }
        let moovBytes = try source.read(at: moovBox.payload, count: moovBox.payloadSize)
        guard moovBytes.count == moovBox.payloadSize else {
            throw WabaMediaError(.unsupportedInput, "cannot rewrite \(input): its 'moov' box is cut off")
        }
        var budget = MP4Node.maxNodes
        return MP4Node(
            type: "moov",
            children: try MP4Node.parse(moovBytes, from: 0, to: moovBytes.count, budget: &budget))
    }

    /// Changes `moov` as `options` allow and the file needs: tracks kept, QuickTime made MP4,
    /// metadata removed. Returns what was done.
    /// - Parameter erasing: gains the byte ranges of the input that held the samples of dropped
    ///   location tracks, to be written as zeros.
    private static func rewriteMovie(
        _ moov: inout MP4Node, info: AVInfo, options: ContainerRewriteOptions, converting: Bool,
        dropped: inout [AVTrack], erasing erased: inout [Range<Int>]
    ) throws -> [ContainerRewritePlan.Action] {
        var actions: [ContainerRewritePlan.Action] = []
        if info.faststart == false { actions.append(.faststart) }
        try selectTracks(
            in: &moov, info: info, options: options, converting: converting, dropped: &dropped,
            actions: &actions, erasing: &erased)
        if converting {
            actions.insert(.quickTimeToMP4, at: min(actions.count, actions.contains(.faststart) ? 1 : 0))
            convertToMP4(&moov)
        }
        if !options.keepMetadata {
            if dropLocation(&moov), !actions.contains(.dropLocation) { actions.append(.dropLocation) }
            // A file rewritten anyway carries no more about the sender than its media: phones
            // record the device in these boxes too. A file rewritten only for its location keeps
            // the rest of its metadata.
            if actions.contains(where: { $0 != .dropLocation && $0 != .mp4Brand }), dropUserMetadata(&moov) {
                actions.append(.dropMetadata)
            }
        }
        return actions
    }

    /// The `ftyp` box to write: a new one for a QuickTime movie made MP4, else the file's own.
    private static func fileType(converting: Bool, topLevel: [ISOBox], of source: FileSource) throws -> [UInt8] {
        if converting {
            var brands: [UInt8] = Array("isom".utf8)
            brands.appendBigEndian(UInt32(512))
            for brand in ["isom", "iso2", "avc1", "mp41"] { brands.append(contentsOf: Array(brand.utf8)) }
            return MP4Node(type: "ftyp", data: brands).serialized()
        }
        guard let original = topLevel.first(where: { $0.type == "ftyp" }) else { return [] }
        guard original.size <= 65_536 else {
            throw WabaMediaError(
                .unsupportedInput, "cannot rewrite \(source.path): its 'ftyp' box is implausibly large")
        }
        return try source.read(at: original.offset, count: original.size)
    }

    /// A box copied after `moov`: its new header and where its payload lands.
    private typealias PlacedBox = (box: ISOBox, header: [UInt8], newPayload: Int)

    /// Places the `copied` boxes after `ftyp` and `moov`, and points `moov`'s chunk offsets at
    /// their new places; a table whose offsets pass 4 GB is widened (`stco` to `co64`), which grows
    /// `moov` and moves everything again. Returns the layout and how many tables were widened.
    private static func layOut(
        _ copied: [ISOBox], after ftyp: [UInt8], moving moov: inout MP4Node, of source: FileSource
    ) throws -> (layout: [PlacedBox], widened: Int) {
        var widened = 0
        var tables = chunkOffsetTables(in: moov)
        var layout: [PlacedBox] = []
        for _ in 0..<4 {
            layout = []
            var position = ftyp.count + moov.size
            for box in copied {
                let header = boxHeader(
                    type: box.type, payloadSize: box.payloadSize, source: source, at: box.offset)
                layout.append((box, header, position + header.count))
                position += header.count + box.payloadSize
            }
            var grew = false
            for index in tables.indices {
                tables[index].offsets = try tables[index].original.map { old in
                    guard let region = layout.first(where: { old >= $0.box.payload && old <= $0.box.end })
                    else {
                        throw WabaMediaError(
                            .unsupportedInput,
                            "cannot rewrite \(source.path): a chunk offset (\(old)) points outside the media data")
                    }
                    return old - region.box.payload + region.newPayload
                }
                if !tables[index].wide, tables[index].offsets.contains(where: { $0 > Int(UInt32.max) }) {
                    tables[index].wide = true
                    widened += 1
                    grew = true
                }
                setChunkOffsets(tables[index], in: &moov)
            }
            if !grew { break }
        }
        return (layout, widened)
    }

    /// Copies the laid-out boxes through a bounded buffer; returns the bytes written.
    /// Bytes of the input in `erased` (sorted, disjoint) are written as zeros.
    private static func copyBoxes(
        _ layout: [PlacedBox], from source: FileSource, to descriptor: Int32, path output: String,
        erasing erased: [Range<Int>]
    ) throws -> Int {
        var written = 0
        for (box, header, _) in layout {
            try OutputFile.writeAll(descriptor, header, path: output)
            written += header.count
            var copiedBytes = 0
            while copiedBytes < box.payloadSize {
                let start = box.payload + copiedBytes
                var chunk = try source.read(at: start, count: min(copyBufferBytes, box.payloadSize - copiedBytes))
                guard !chunk.isEmpty else {
                    throw WabaMediaError(.ioError, "\(source.path) ended while copying its '\(box.type)' box")
                }
                erase(&chunk, at: start, erased)
                try OutputFile.writeAll(descriptor, chunk, path: output)
                copiedBytes += chunk.count
            }
            written += copiedBytes
        }
        return written
    }

    /// Zeroes the bytes of `chunk` (read at `start` of the input) that fall in `erased`.
    static func erase(_ chunk: inout [UInt8], at start: Int, _ erased: [Range<Int>]) {
        guard !erased.isEmpty else { return }
        let span = start..<(start + chunk.count)
        // The first range that ends after the chunk starts; ranges are sorted and disjoint.
        var low = 0
        var high = erased.count
        while low < high {
            let middle = (low + high) / 2
            if erased[middle].upperBound <= span.lowerBound { low = middle + 1 } else { high = middle }
        }
        var index = low
        while index < erased.count, erased[index].lowerBound < span.upperBound {
            let cut = erased[index].clamped(to: span)
            for offset in cut { chunk[offset - start] = 0 }
            index += 1
        }
    }

    // MARK: - Tracks

    static func handlerType(of trak: MP4Node) -> String {
        guard let hdlr = trak.child("mdia")?.child("hdlr") else { return "" }
        return ByteView(hdlr.data).fourCC(at: 8) ?? ""
    }

    static func trackID(of trak: MP4Node) -> Int? {
        guard let tkhd = trak.child("tkhd") else { return nil }
        let bytes = ByteView(tkhd.data)
        return bytes.u32(at: bytes.u8(at: 0) == 1 ? 20 : 12)
    }

    static func selectTracks(
        in moov: inout MP4Node, info: AVInfo, options: ContainerRewriteOptions, converting: Bool,
        dropped: inout [AVTrack], actions: inout [ContainerRewritePlan.Action], erasing erased: inout [Range<Int>]
    ) throws {
        guard var children = moov.children else { return }
        let audioIndices = children.indices.filter {
            children[$0].typeName == "trak" && handlerType(of: children[$0]) == "soun"
        }
        var keepAudio = Set(audioIndices)
        if options.keepOneAudioTrack, audioIndices.count > 1 {
            let chosen = options.audioTrack ?? 0
            guard chosen >= 0, chosen < audioIndices.count else {
                throw WabaMediaError(
                    .invalidArgument,
                    "there is no audio track \(chosen): the file has \(audioIndices.count) (numbered from 0)")
            }
            keepAudio = [audioIndices[chosen]]
            // The kept track may have been an alternate that players leave off: enable it.
            if var tkhd = children[audioIndices[chosen]].child("tkhd"), tkhd.data.count >= 4 {
                tkhd.data[3] |= 0x01
                replaceChild(&children[audioIndices[chosen]], with: tkhd)
            }
            actions.append(.keepOneAudioTrack)
        }
        var removedIDs: Set<Int> = []
        var kept: [MP4Node] = []
        var droppedNonMedia = false
        for index in children.indices {
            let node = children[index]
            guard node.typeName == "trak" else {
                kept.append(node)
                continue
            }
            let handler = handlerType(of: node)
            let isMedia = handler == "vide" || handler == "soun"
            let location = options.keepMetadata ? nil : LocationTracks.describe(track: node)
            if let location {
                // Its samples are the positions: they leave the file with the track.
                guard let ranges = LocationTracks.sampleRanges(of: node) else {
                    throw WabaMediaError(
                        .unsupportedInput,
                        "cannot remove the \(location): its sample table does not say where its samples are",
                        hint: "remux without it: ffmpeg -i IN -map 0:v -map 0:a? -c copy -map_metadata -1 OUT.mp4")
                }
                erased += ranges
                if !actions.contains(.dropLocation) { actions.append(.dropLocation) }
            }
            let drop = location != nil || (handler == "soun" && !keepAudio.contains(index)) || (converting && !isMedia)
            if drop {
                let id = trackID(of: node)
                if let id { removedIDs.insert(id) }
                dropped.append(
                    info.tracks.first { $0.id != nil && $0.id == id }
                        ?? AVTrack(id: id, kind: ISOBaseMediaProbe.trackKind(handler: handler), codec: handler))
                // A QuickTime movie drops it as a non-media track anyway, as its plan says.
                if !isMedia && (location == nil || converting) { droppedNonMedia = true }
            } else {
                kept.append(node)
            }
        }
        if droppedNonMedia { actions.append(.dropNonMediaTracks) }
        if !erased.isEmpty {
            // The kept tracks' samples are copied intact: a chunk shared with a dropped track
            // cannot be zeroed without damaging them.
            erased = LocationTracks.merged(erased)
            let keptRanges = kept.filter { $0.typeName == "trak" }.flatMap { LocationTracks.sampleRanges(of: $0) ?? [] }
            if LocationTracks.overlap(erased, keptRanges) {
                throw WabaMediaError(
                    .unsupportedInput,
                    "cannot remove the location track: its samples share chunks with the video or audio",
                    hint: "remux without it: ffmpeg -i IN -map 0:v -map 0:a? -c copy -map_metadata -1 OUT.mp4")
            }
        }
        if !removedIDs.isEmpty {
            // References (timecode, chapters) to removed tracks would dangle.
            for index in kept.indices where kept[index].typeName == "trak" {
                kept[index].children?.removeAll { $0.typeName == "tref" }
            }
        }
        children = kept
        moov.children = children
    }

    /// Removes `udta` and `meta` boxes from the movie and its tracks; true when there were any.
    static func dropUserMetadata(_ moov: inout MP4Node) -> Bool {
        let metadata: Set<String> = ["udta", "meta"]
        guard var children = moov.children else { return false }
        let before = children.count
        children.removeAll { metadata.contains($0.typeName) }
        var removed = children.count != before
        for index in children.indices where children[index].typeName == "trak" {
            let count = children[index].children?.count ?? 0
            children[index].children?.removeAll { metadata.contains($0.typeName) }
            removed = removed || (children[index].children?.count ?? 0) != count
        }
        moov.children = children
        return removed
    }

    /// Removes the location atoms from the movie's and tracks' `udta` and `meta` boxes; true when
    /// there were any.
    static func dropLocation(_ moov: inout MP4Node) -> Bool {
        func scrub(_ node: inout MP4Node) -> Bool {
            guard node.children == nil else { return false }
            let cleaned =
                node.typeName == "udta"
                ? LocationAtoms.removing(fromUserData: node.data)
                : node.typeName == "meta" ? LocationAtoms.removing(fromMetadata: node.data) : nil
            guard let cleaned else { return false }
            node.data = cleaned
            return true
        }
        guard var children = moov.children else { return false }
        let count = children.count
        children.removeAll { $0.typeName == "uuid" && XMPUUIDBox.describeLocation(uuidPayload: $0.data[...]) != nil }
        var removed = children.count != count
        for index in children.indices {
            if scrub(&children[index]) { removed = true }
            if children[index].typeName == "trak", var trak = children[index].children {
                for inner in trak.indices where scrub(&trak[inner]) { removed = true }
                children[index].children = trak
            }
        }
        moov.children = children
        return removed
    }

    static func replaceChild(_ parent: inout MP4Node, with child: MP4Node) {
        guard let index = parent.children?.firstIndex(where: { $0.type == child.type }) else { return }
        parent.children?[index] = child
    }

    // MARK: - QuickTime to MP4

    static func convertToMP4(_ moov: inout MP4Node) {
        guard var children = moov.children else { return }
        for index in children.indices where children[index].typeName == "trak" {
            guard var mdia = children[index].child("mdia") else { continue }
            let handler = handlerType(of: children[index])
            if var hdlr = mdia.child("hdlr"), hdlr.data.count >= 24 {
                // MP4 wants pre_defined = 0 (QuickTime puts 'mhlr' there) and a C-string name.
                var data = Array(hdlr.data[0..<24])
                data.replaceSubrange(4..<8, with: [0, 0, 0, 0])
                data.append(contentsOf: Array((handler == "vide" ? "VideoHandler" : "SoundHandler").utf8))
                data.append(0)
                hdlr.data = data
                replaceChild(&mdia, with: hdlr)
            }
            if var minf = mdia.child("minf") {
                // QuickTime's data handler reference (a second 'hdlr') has no place in MP4.
                minf.children?.removeAll { $0.typeName == "hdlr" }
                if handler == "soun", var stbl = minf.child("stbl"), var stsd = stbl.child("stsd") {
                    stsd.data = isoSoundDescriptions(stsd.data)
                    replaceChild(&stbl, with: stsd)
                    replaceChild(&minf, with: stbl)
                }
                replaceChild(&mdia, with: minf)
            }
            replaceChild(&children[index], with: mdia)
        }
        moov.children = children
    }

    /// Rewrites QuickTime version 1/2 sound sample entries as MP4 version 0 entries, with the
    /// `esds` moved out of QuickTime's `wave` box. Entries it does not understand stay as they are.
    static func isoSoundDescriptions(_ stsd: [UInt8]) -> [UInt8] {
        let view = ByteView(stsd)
        guard stsd.count >= 8 else { return stsd }
        var output = Array(stsd[0..<8])
        var offset = 8
        while offset + 8 <= stsd.count, let size = view.u32(at: offset), size >= 8,
            size <= stsd.count - offset
        {
            let entry = Array(stsd[offset..<(offset + size)])
            output.append(contentsOf: isoSoundEntry(entry) ?? entry)
            offset += size
        }
        if offset < stsd.count { output.append(contentsOf: stsd[offset...]) }
        return output
    }

    static func isoSoundEntry(_ entry: [UInt8]) -> [UInt8]? {
        let view = ByteView(entry)
        guard let version = view.u16(at: 16), version == 1 || version == 2 else { return nil }
        var channels = view.u16(at: 24) ?? 2
        var rate = (view.u32(at: 32) ?? 0) >> 16
        var childrenStart = 52
        if version == 2 {
            childrenStart = 72
            if let bits = view.u64(at: 40) {
                let value = Double(bitPattern: bits)
                if value.isFinite, value > 0, value < 1_000_000 { rate = Int(value) }
            }
            channels = view.u32(at: 48) ?? channels
        }
        var esds: [UInt8]?
        var others: [UInt8] = []
        for child in ISOBaseMediaProbe.boxes(in: view, from: childrenStart, to: entry.count) {
            let bytes = Array(entry[child.offset..<child.end])
            switch child.type {
            case "esds": esds = bytes
            case "wave":
                for inner in ISOBaseMediaProbe.boxes(in: view, from: child.payload, to: child.end)
                where inner.type == "esds" {
                    esds = Array(entry[inner.offset..<inner.end])
                }
            case "btrt": others.append(contentsOf: bytes)
            default: break
            }
        }
        guard let esds else { return nil }
        var body: [UInt8] = Array(entry[8..<16])  // reserved and data reference index
        body.append(contentsOf: [UInt8](repeating: 0, count: 8))
        body.appendBigEndian(UInt16(clamping: channels))
        body.appendBigEndian(UInt16(16))
        body.appendBigEndian(UInt32(0))  // pre_defined and reserved
        body.appendBigEndian(rate < 65_536 ? UInt32(rate) << 16 : 0)
        body.append(contentsOf: esds)
        body.append(contentsOf: others)
        var result: [UInt8] = []
        result.appendBigEndian(UInt32(body.count + 8))
        result.append(contentsOf: entry[4..<8])
        result.append(contentsOf: body)
        return result
    }

    // MARK: - Chunk offsets

    struct ChunkOffsetTable {
        /// Index path from `moov` to the `stbl` holding the table.
        var path: [Int]
        var original: [Int]
        var offsets: [Int]
        var wide: Bool
    }

    static func chunkOffsetTables(in moov: MP4Node) -> [ChunkOffsetTable] {
        var tables: [ChunkOffsetTable] = []
        for (trakIndex, trak) in (moov.children ?? []).enumerated() where trak.typeName == "trak" {
            guard let mdiaIndex = trak.children?.firstIndex(where: { $0.typeName == "mdia" }),
                let minfIndex = trak.children?[mdiaIndex].children?.firstIndex(where: {
                    $0.typeName == "minf"
                }),
                let minf = trak.children?[mdiaIndex].children?[minfIndex],
                let stblIndex = minf.children?.firstIndex(where: { $0.typeName == "stbl" }),
                let stbl = minf.children?[stblIndex],
                let table = stbl.children?.first(where: { $0.typeName == "stco" || $0.typeName == "co64" })
            else { continue }
            let wide = table.typeName == "co64"
            let view = ByteView(table.data)
            let count = view.u32(at: 4) ?? 0
            let entrySize = wide ? 8 : 4
            let available = max(0, (table.data.count - 8) / entrySize)
            let offsets = (0..<min(count, available)).map { index in
                wide ? Int(clamping: view.u64(at: 8 + index * 8) ?? 0) : view.u32(at: 8 + index * 4) ?? 0
            }
            tables.append(
                ChunkOffsetTable(
                    path: [trakIndex, mdiaIndex, minfIndex, stblIndex], original: offsets, offsets: offsets,
                    wide: wide))
        }
        return tables
    }

    static func setChunkOffsets(_ table: ChunkOffsetTable, in moov: inout MP4Node) {
        var data: [UInt8] = [0, 0, 0, 0]
        data.appendBigEndian(UInt32(table.offsets.count))
        for offset in table.offsets {
            if table.wide {
                data.appendBigEndian(UInt64(offset))
            } else {
                data.appendBigEndian(UInt32(offset))
            }
        }
        let node = MP4Node(type: table.wide ? "co64" : "stco", data: data)
        let path = table.path
        guard
            var stbl = moov.children?[path[0]].children?[path[1]].children?[path[2]].children?[path[3]],
            let index = stbl.children?.firstIndex(where: {
                $0.typeName == "stco" || $0.typeName == "co64"
            })
        else { return }
        stbl.children?[index] = node
        moov.children?[path[0]].children?[path[1]].children?[path[2]].children?[path[3]] = stbl
    }

    // MARK: - Output

    /// A header for a copied box: an explicit size (a size-0 "to the end" box may no longer be last).
    static func boxHeader(type: String, payloadSize: Int, source: some ByteSource, at offset: Int)
        -> [UInt8]
    {
        let rawType = (try? source.read(at: offset + 4, count: 4)) ?? Array(type.utf8)
        var header: [UInt8] = []
        if payloadSize + 8 <= Int(UInt32.max) {
            header.appendBigEndian(UInt32(payloadSize + 8))
            header.append(contentsOf: rawType)
        } else {
            header.appendBigEndian(UInt32(1))
            header.append(contentsOf: rawType)
            header.appendBigEndian(UInt64(payloadSize + 16))
        }
        return header
    }
}
