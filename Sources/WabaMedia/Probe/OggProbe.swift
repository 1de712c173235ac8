/// The OGG probe: the codec of each logical stream from its first page, and the duration from
/// the granule position of the last page.
enum OggProbe {
    /// How far from the end the last page is searched for (a page is at most 65,307 bytes).
    static let tailSearchBytes = 70_000

    struct Page {
        var headerType: Int
        var granule: UInt64
        var serial: Int
        var headerLength: Int
        var bodyLength: Int
        var totalLength: Int { headerLength + bodyLength }
        var isBeginning: Bool { headerType & 0x02 != 0 }
    }

    /// Parses the page header at `offset` of `bytes`, or nil when there is none (or not all of it).
    static func page(_ bytes: ByteView, at offset: Int) -> Page? {
        guard bytes.matches("OggS", at: offset), bytes.u8(at: offset + 4) == 0,
            let headerType = bytes.u8(at: offset + 5), let granule = bytes.u64LE(at: offset + 6),
            let serial = bytes.u32LE(at: offset + 14), let segments = bytes.u8(at: offset + 26),
            bytes.has(segments, at: offset + 27)
        else { return nil }
        let body = bytes.bytes[(offset + 27)..<(offset + 27 + segments)].reduce(0) { $0 + Int($1) }
        return Page(
            headerType: headerType, granule: granule, serial: serial, headerLength: 27 + segments,
            bodyLength: body)
    }

    static func probe(_ source: some ByteSource) throws -> AVInfo {
        var info = AVInfo(container: .ogg)
        let head = ByteView(try source.readClamped(at: 0, count: 65_536))
        var offset = 0
        var streams: [(serial: Int, track: AVTrack, rate: Int)] = []
        // Every stream starts with a beginning-of-stream page; they all come first.
        while streams.count < 16, let page = page(head, at: offset), page.isBeginning {
            let bodyStart = offset + page.headerLength
            let available = max(0, head.count - bodyStart)
            let packet = ByteView(head.slice(bodyStart, min(page.bodyLength, 512, available)) ?? [])
            if bodyStart + page.bodyLength > source.size {
                info.problems.append("the first OGG page is cut off: the file is truncated")
            }
            let (track, rate) = identify(packet, serial: page.serial)
            streams.append((page.serial, track, rate))
            offset += page.totalLength
        }
        guard !streams.isEmpty else {
            info.problems.append(
                head.matches("OggS", at: 0)
                    ? "the first OGG page is damaged or cut off" : "the file does not start with an OGG page")
            return info
        }

        let tailStart = max(0, source.size - tailSearchBytes)
        let tail = ByteView(try source.readClamped(at: tailStart, count: source.size - tailStart))
        var lastGranule: [Int: UInt64] = [:]
        var position = tail.count - 27
        var sawCompleteFinalPage = false
        var checkedFinalPage = false
        while position >= 0, lastGranule.count < streams.count {
            if tail.bytes[position] == UInt8(ascii: "O"), let page = page(tail, at: position) {
                let complete = position + page.totalLength <= tail.count
                if !checkedFinalPage {
                    checkedFinalPage = true
                    sawCompleteFinalPage = complete
                }
                if complete, page.granule != UInt64.max, lastGranule[page.serial] == nil {
                    lastGranule[page.serial] = page.granule
                }
            }
            position -= 1
        }
        if !sawCompleteFinalPage {
            info.problems.append("the last OGG page is cut off: the file is truncated")
        }

        var duration: Double?
        for (serial, var track, rate) in streams {
            if let granule = lastGranule[serial], rate > 0, granule < UInt64(Int64.max) {
                var samples = Int64(granule)
                if track.codec == "opus" { samples -= Int64(track.preSkip ?? 0) }
                let seconds = Double(max(0, samples)) / Double(rate)
                track.durationSeconds = (seconds * 1000).rounded() / 1000
                duration = max(duration ?? 0, track.durationSeconds ?? 0)
            }
            info.tracks.append(track)
        }
        info.durationSeconds = duration
        return info
    }

    /// The codec of a stream from its first packet, and the rate its granule positions count in.
    static func identify(_ packet: ByteView, serial: Int) -> (AVTrack, Int) {
        if packet.matches("OpusHead", at: 0) {
            var track = AVTrack(id: serial, kind: .audio, codec: "opus", codecTag: "OpusHead")
            track.channels = packet.u8(at: 9)
            track.preSkip = packet.u16LE(at: 10)
            track.sampleRate = packet.u32LE(at: 12)
            // Opus granule positions always count 48 kHz samples, whatever the input rate was.
            return (track, 48_000)
        }
        if packet.u8(at: 0) == 1, packet.matches("vorbis", at: 1) {
            var track = AVTrack(id: serial, kind: .audio, codec: "vorbis", codecTag: "vorbis")
            track.channels = packet.u8(at: 11)
            track.sampleRate = packet.u32LE(at: 12)
            return (track, track.sampleRate ?? 0)
        }
        if packet.matches("Speex   ", at: 0) {
            var track = AVTrack(id: serial, kind: .audio, codec: "speex", codecTag: "Speex")
            track.sampleRate = packet.u32LE(at: 36)
            track.channels = packet.u32LE(at: 48)
            return (track, track.sampleRate ?? 0)
        }
        if packet.u8(at: 0) == 0x7F, packet.matches("FLAC", at: 1) {
            var track = AVTrack(id: serial, kind: .audio, codec: "flac", codecTag: "FLAC")
            // The STREAMINFO block follows the 9-byte mapping header and "fLaC" (13 bytes in all).
            let info = FLACProbe.streamInfo(packet, at: 13 + 4)
            track.sampleRate = info?.sampleRate
            track.channels = info?.channels
            return (track, track.sampleRate ?? 0)
        }
        if packet.u8(at: 0) == 0x80, packet.matches("theora", at: 1) {
            var track = AVTrack(id: serial, kind: .video, codec: "theora", codecTag: "theora")
            track.width = packet.u24(at: 14)
            track.height = packet.u24(at: 17)
            return (track, 0)
        }
        if packet.matches("OVP80", at: 1) {
            return (AVTrack(id: serial, kind: .video, codec: "vp8", codecTag: "VP80"), 0)
        }
        let tag = packet.fourCC(at: 0) ?? "unknown"
        return (AVTrack(id: serial, kind: .other, codec: "unknown", codecTag: tag), 0)
    }
}
