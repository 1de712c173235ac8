/// AVI (RIFF `AVI `): the stream headers, so a DivX/Xvid export is named and transcoded rather
/// than refused as an unknown type.
enum AVIProbe {
    static func probe(_ source: some ByteSource) throws -> AVInfo {
        var info = AVInfo(container: .avi)
        var offset = 12
        var chunks = 0
        var sawMovie = false
        while offset + 12 <= source.size, chunks < 1000 {
            chunks += 1
            let header = ByteView(try source.readClamped(at: offset, count: 12))
            guard let id = header.fourCC(at: 0), let size = header.u32LE(at: 4) else { break }
            if id == "LIST", header.fourCC(at: 8) == "hdrl" {
                // The header list is small (stream headers and formats): read whole, capped.
                let body = ByteView(try source.readClamped(at: offset + 12, count: min(max(0, size - 4), 1 << 16)))
                readHeaders(body, into: &info)
            } else if id == "LIST", header.fourCC(at: 8) == "movi" {
                sawMovie = true
                if size > source.size - offset - 8 {
                    info.problems.append("the media data is cut off: the file is truncated")
                }
                break
            }
            offset += 8 + size + (size & 1)
        }
        if info.tracks.isEmpty { info.problems.append("no stream headers: the AVI file is damaged") }
        if !sawMovie { info.problems.append("no 'movi' list: the AVI file holds no media") }
        return info
    }

    private static func readHeaders(_ body: ByteView, into info: inout AVInfo) {
        var offset = 0
        var streamCount = 0
        while offset + 8 <= body.count, streamCount < 64 {
            guard let id = body.fourCC(at: offset), let size = body.u32LE(at: offset + 4) else { return }
            if id == "avih", let perFrame = body.u32LE(at: offset + 8), let frames = body.u32LE(at: offset + 24) {
                let duration = Double(perFrame) * Double(frames) / 1e6
                if duration > 0 { info.durationSeconds = (duration * 1000).rounded() / 1000 }
            } else if id == "LIST", body.fourCC(at: offset + 8) == "strl" {
                streamCount += 1
                if let track = stream(ByteView(body.slice(offset + 12, min(size - 4, body.count - offset - 12)) ?? []))
                {
                    info.tracks.append(track)
                }
            }
            offset += 8 + size + (size & 1)
        }
    }

    /// One `strl` list: `strh` (kind, rate, length) and `strf` (BITMAPINFOHEADER or WAVEFORMATEX).
    private static func stream(_ list: ByteView) -> AVTrack? {
        var header: Int?
        var format: Int?
        var offset = 0
        while offset + 8 <= list.count {
            guard let id = list.fourCC(at: offset), let size = list.u32LE(at: offset + 4) else { break }
            if id == "strh" { header = offset + 8 }
            if id == "strf" { format = offset + 8 }
            offset += 8 + size + (size & 1)
        }
        guard let header, let kind = list.fourCC(at: header) else { return nil }
        var track: AVTrack
        switch kind {
        case "vids":
            let tag = format.flatMap { list.fourCC(at: $0 + 16) } ?? list.fourCC(at: header + 4) ?? ""
            track = AVTrack(kind: .video, codec: videoCodec(tag), codecTag: tag)
            track.width = format.flatMap { list.u32LE(at: $0 + 4) }
            track.height = format.flatMap { list.u32LE(at: $0 + 8) }.map { abs(Int(Int32(truncatingIfNeeded: $0))) }
            if let scale = list.u32LE(at: header + 20), let rate = list.u32LE(at: header + 24), scale > 0, rate > 0 {
                track.frameRate = Double(rate) / Double(scale)
                if let length = list.u32LE(at: header + 32) {
                    track.durationSeconds = (Double(length) * Double(scale) / Double(rate) * 1000).rounded() / 1000
                }
            }
        case "auds":
            guard let format, let tag = list.u16LE(at: format) else { return nil }
            let codecs = [1: "pcm_s16le", 0x50: "mp2", 0x55: "mp3", 0xFF: "aac", 0x1610: "aac", 0x2000: "ac3"]
            track = AVTrack(
                kind: .audio, codec: codecs[tag] ?? "avi-0x" + String(tag, radix: 16),
                codecTag: "0x" + String(tag, radix: 16))
            track.channels = list.u16LE(at: format + 2)
            track.sampleRate = list.u32LE(at: format + 4)
        default:
            return AVTrack(kind: .other, codec: kind)
        }
        return track
    }

    static func videoCodec(_ tag: String) -> String {
        switch tag.uppercased() {
        case "FMP4", "XVID", "DIVX", "DX50", "MP4V", "M4S2": "mpeg4"
        case "H264", "X264", "AVC1": "h264"
        case "HEVC", "H265", "HVC1": "hevc"
        case "MJPG": "mjpeg"
        case "VP80": "vp8"
        case "VP90": "vp9"
        case "AV01": "av1"
        case "H263", "S263": "h263"
        default: tag.isEmpty ? "unknown" : tag.lowercased()
        }
    }
}

/// AIFF and AIFF-C (`FORM`): the `COMM` chunk, big-endian.
enum AIFFProbe {
    static func probe(_ source: some ByteSource) throws -> AVInfo {
        var info = AVInfo(container: .aiff)
        let compressed = ByteView(try source.readClamped(at: 8, count: 4)).fourCC(at: 0) == "AIFC"
        var offset = 12
        var chunks = 0
        var common: ByteView?
        var sawSound = false
        while offset + 8 <= source.size, chunks < 1000 {
            chunks += 1
            let header = ByteView(try source.readClamped(at: offset, count: 8))
            guard let id = header.fourCC(at: 0), let size = header.u32(at: 4) else { break }
            if id == "COMM" { common = ByteView(try source.readClamped(at: offset + 8, count: min(size, 64))) }
            if id == "SSND" {
                sawSound = true
                if size > source.size - offset - 8 {
                    info.problems.append("the audio data is cut off: the file is truncated")
                }
            }
            offset += 8 + size + (size & 1)
        }
        guard let common, let channels = common.u16(at: 0), let frames = common.u32(at: 2),
            let bits = common.u16(at: 6), let rate = extended(common, at: 8), rate > 0
        else {
            info.problems.append("no readable 'COMM' chunk: the AIFF file is damaged")
            return info
        }
        if !sawSound { info.problems.append("no 'SSND' chunk: the AIFF file holds no audio") }
        let compression = compressed ? common.fourCC(at: 18) ?? "NONE" : "NONE"
        let codec =
            switch compression {
            case "NONE", "twos": "pcm_s\(bits)be"
            case "sowt": "pcm_s\(bits)le"
            case "fl32", "FL32": "pcm_f32be"
            case "ulaw", "ULAW": "pcm_mulaw"
            case "alaw", "ALAW": "pcm_alaw"
            default: "aiff-" + compression.lowercased()
            }
        var track = AVTrack(kind: .audio, codec: codec, codecTag: compression)
        track.channels = channels
        track.sampleRate = Int(rate)
        let duration = (Double(frames) / rate * 1000).rounded() / 1000
        track.durationSeconds = duration
        info.durationSeconds = duration
        info.tracks = [track]
        return info
    }

    /// An 80-bit IEEE 754 extended float (AIFF's sample rate).
    static func extended(_ bytes: ByteView, at offset: Int) -> Double? {
        guard let exponentAndSign = bytes.u16(at: offset), let mantissa = bytes.u64(at: offset + 2) else { return nil }
        let exponent = exponentAndSign & 0x7FFF
        guard exponent != 0, exponent != 0x7FFF else { return nil }
        return Double(mantissa) * Double(sign: .plus, exponent: exponent - 16383 - 63, significand: 1)
    }
}
