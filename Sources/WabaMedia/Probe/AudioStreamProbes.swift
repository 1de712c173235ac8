/// Walks a stream of self-delimiting frames (ADTS, AMR) in bounded windows, so a long file is
/// counted without being loaded.
enum FrameWalker {
    static let windowBytes = 1 << 20
    /// Beyond this many bytes the remaining duration is extrapolated from the frames seen.
    static let maxWalkBytes = 64 << 20

    struct Result {
        var frames = 0
        /// Units of duration the frames carry (AAC raw data blocks, AMR frames).
        var units = 0
        var endOffset = 0
        /// Where the stream stopped making sense, if it did before the end.
        var damagedAt: Int?
        /// Whether the last frame runs past the end of the file.
        var lastFrameCut = false
        var walkedEverything = true

        /// `seconds` for the frames walked, scaled up to the whole stream when the walk stopped
        /// early, rounded to the millisecond.
        func duration(_ seconds: Double, streamStart start: Int, sourceSize: Int) -> Double {
            var duration = seconds
            if !walkedEverything, endOffset > start {
                duration *= Double(sourceSize - start) / Double(endOffset - start)
            }
            return (duration * 1000).rounded() / 1000
        }
    }

    /// - Parameter frame: the length and duration units of the frame at an offset of a window, or nil
    ///   when the bytes there are not a frame. Gets at least `headerBytes` bytes.
    static func walk(
        _ source: some ByteSource, from start: Int, headerBytes: Int,
        frame: (ByteView, Int) -> (length: Int, units: Int)?
    ) throws -> Result {
        var result = Result()
        var position = start
        while position < source.size {
            if position - start >= maxWalkBytes {
                result.walkedEverything = false
                break
            }
            let window = ByteView(try source.readClamped(at: position, count: windowBytes))
            var local = 0
            while local + headerBytes <= window.count {
                guard let (length, units) = frame(window, local), length > 0 else {
                    result.damagedAt = position + local
                    result.endOffset = position + local
                    return result
                }
                if position + local + length > source.size {
                    result.lastFrameCut = true
                    result.endOffset = source.size
                    return result
                }
                result.frames += 1
                result.units += units
                local += length
            }
            if window.count < windowBytes || local == 0 {
                // The end of the file: fewer bytes than a frame header remain.
                if position + local < source.size { result.lastFrameCut = true }
                position = source.size
                break
            }
            position += local
        }
        result.endOffset = min(position, source.size)
        return result
    }
}

/// Skips an ID3v2 tag at the start of MP3, AAC and FLAC files.
enum ID3 {
    static func tagLength(_ head: ByteView) -> Int {
        guard head.matches("ID3", at: 0), let flags = head.u8(at: 5), head.has(10, at: 0) else {
            return 0
        }
        let size = head.bytes[6...9].reduce(0) { $0 << 7 | Int($1 & 0x7F) }
        return 10 + size + (flags & 0x10 != 0 ? 10 : 0)
    }
}

/// MPEG-1/2/2.5 audio (MP3, and layers I and II).
enum MP3Probe {
    struct FrameHeader {
        var length: Int
        var isVersion1: Bool
        var layer: Int
        var bitrate: Int
        var sampleRate: Int
        var channels: Int
        var samplesPerFrame: Int
    }

    private static let bitrates: [[Int]] = [
        [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],  // V1 L1
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],  // V1 L2
        [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],  // V1 L3
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],  // V2 L1
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],  // V2 L2, L3
    ]

    static func frameHeader(_ bytes: ByteView, at offset: Int) -> FrameHeader? {
        guard let b1 = bytes.u8(at: offset), let b2 = bytes.u8(at: offset + 1),
            let b3 = bytes.u8(at: offset + 2),
            let b4 = bytes.u8(at: offset + 3), b1 == 0xFF, b2 & 0xE0 == 0xE0
        else { return nil }
        let version = (b2 >> 3) & 0x03  // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
        let layerBits = (b2 >> 1) & 0x03  // 3: layer I, 2: layer II, 1: layer III
        let bitrateIndex = b3 >> 4
        let rateIndex = (b3 >> 2) & 0x03
        let padding = (b3 >> 1) & 0x01
        guard version != 1, layerBits != 0, bitrateIndex != 0, bitrateIndex != 15, rateIndex != 3 else {
            return nil
        }
        let layer = 4 - layerBits
        let isVersion1 = version == 3
        let table = isVersion1 ? layer - 1 : (layer == 1 ? 3 : 4)
        let bitrate = bitrates[table][bitrateIndex] * 1000
        let sampleRate =
            [44_100, 48_000, 32_000][rateIndex] >> (isVersion1 ? 0 : (version == 2 ? 1 : 2))
        let length: Int
        let samples: Int
        switch layer {
        case 1:
            length = (12 * bitrate / sampleRate + padding) * 4
            samples = 384
        case 2:
            length = 144 * bitrate / sampleRate + padding
            samples = 1152
        default:
            length = (isVersion1 ? 144 : 72) * bitrate / sampleRate + padding
            samples = isVersion1 ? 1152 : 576
        }
        return FrameHeader(
            length: length, isVersion1: isVersion1, layer: layer, bitrate: bitrate,
            sampleRate: sampleRate,
            channels: b4 >> 6 == 3 ? 1 : 2, samplesPerFrame: samples)
    }

    /// - Parameter strict: require a frame right after the ID3 tag (otherwise the first 64 KB are searched).
    static func probe(_ source: some ByteSource, strict: Bool) throws -> AVInfo? {
        let start = ID3.tagLength(ByteView(try source.readClamped(at: 0, count: 10)))
        guard start < source.size else {
            if strict { return nil }
            return AVInfo(container: .mp3, problems: ["the file holds an ID3 tag and no audio"])
        }
        let window = ByteView(try source.readClamped(at: start, count: 65_536))
        var found: (offset: Int, header: FrameHeader)?
        let searchEnd = strict ? 1 : max(1, window.count - 3)
        for offset in 0..<searchEnd {
            guard let header = frameHeader(window, at: offset) else { continue }
            let next = offset + header.length
            if frameHeader(window, at: next) != nil || start + next >= source.size {
                found = (offset, header)
                break
            }
        }
        guard let (offset, header) = found else {
            if strict { return nil }
            return AVInfo(
                container: .mp3, problems: ["no MPEG audio frames in the first 64 KB: the file is damaged"])
        }
        var track = AVTrack(kind: .audio, codec: header.layer == 3 ? "mp3" : "mp\(header.layer)")
        track.channels = header.channels
        track.sampleRate = header.sampleRate
        var info = AVInfo(container: .mp3)
        let frameStart = start + offset
        if frameHeader(window, at: offset + header.length) == nil {
            // Decoders find a frame's end by the next frame's start: a lone frame does not play.
            info.problems.append(
                "one MPEG audio frame and no frame after it: too little audio for a player to decode")
        }
        let sideInfo =
            header.isVersion1 ? (header.channels == 1 ? 17 : 32) : (header.channels == 1 ? 9 : 17)
        var frames: Int?
        let xing = offset + 4 + sideInfo
        if window.matches("Xing", at: xing) || window.matches("Info", at: xing),
            let flags = window.u32(at: xing + 4), flags & 1 != 0
        {
            frames = window.u32(at: xing + 8)
        } else if window.matches("VBRI", at: offset + 36) {
            frames = window.u32(at: offset + 36 + 14)
        }
        var duration: Double
        if let frames, frames > 0 {
            duration = Double(frames) * Double(header.samplesPerFrame) / Double(header.sampleRate)
        } else {
            var audioEnd = source.size
            if source.size >= 128,
                ByteView(try source.readClamped(at: source.size - 128, count: 3)).matches("TAG", at: 0)
            {
                audioEnd -= 128
            }
            duration = Double(max(0, audioEnd - frameStart)) * 8 / Double(header.bitrate)
        }
        duration = (duration * 1000).rounded() / 1000
        track.durationSeconds = duration
        info.durationSeconds = duration
        info.tracks = [track]
        return info
    }
}

/// Raw AAC in ADTS frames.
enum ADTSProbe {
    static let sampleRates = [
        96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000,
        7_350,
    ]

    static func sampleRate(index: Int) -> Int? {
        index >= 0 && index < sampleRates.count ? sampleRates[index] : nil
    }

    /// The length and number of raw data blocks of the ADTS frame at `offset`.
    static func frame(_ bytes: ByteView, at offset: Int) -> (length: Int, units: Int)? {
        guard let b1 = bytes.u8(at: offset), let b2 = bytes.u8(at: offset + 1), b1 == 0xFF,
            b2 & 0xF6 == 0xF0,
            let b3 = bytes.u8(at: offset + 2), let b4 = bytes.u8(at: offset + 3),
            let b5 = bytes.u8(at: offset + 4),
            let b6 = bytes.u8(at: offset + 5), let b7 = bytes.u8(at: offset + 6)
        else { return nil }
        guard (b3 >> 2) & 0x0F < sampleRates.count else { return nil }
        let length = (b4 & 0x03) << 11 | b5 << 3 | b6 >> 5
        let headerLength = b2 & 0x01 == 0 ? 9 : 7
        guard length >= headerLength else { return nil }
        return (length, (b7 & 0x03) + 1)
    }

    static func probe(_ source: some ByteSource, strict: Bool) throws -> AVInfo? {
        let start = ID3.tagLength(ByteView(try source.readClamped(at: 0, count: 10)))
        let head = ByteView(try source.readClamped(at: start, count: 16))
        guard let first = frame(head, at: 0) else {
            if strict { return nil }
            return AVInfo(
                container: .adts, problems: ["no ADTS frame at the start: not raw AAC, or a damaged file"])
        }
        if strict {
            let next = ByteView(try source.readClamped(at: start + first.length, count: 8))
            guard frame(next, at: 0) != nil || start + first.length >= source.size else { return nil }
        }
        let profile = (head.bytes[2] >> 6) + 1
        let rate = sampleRate(index: Int(head.bytes[2] >> 2) & 0x0F) ?? 0
        let channelConfiguration = Int(head.bytes[2] & 0x01) << 2 | Int(head.bytes[3] >> 6)
        var track = AVTrack(kind: .audio, codec: "aac", codecTag: "adts")
        track.audioObjectType = Int(profile)
        track.sampleRate = rate
        track.channels =
            channelConfiguration == 7 ? 8 : (channelConfiguration == 0 ? nil : channelConfiguration)
        var info = AVInfo(container: .adts)
        let walk = try FrameWalker.walk(source, from: start, headerBytes: 7) { frame($0, at: $1) }
        if let damagedAt = walk.damagedAt {
            info.problems.append("the AAC stream is damaged at offset \(damagedAt): no ADTS frame there")
        } else if walk.lastFrameCut {
            info.problems.append("the last AAC frame is cut off: the file is truncated")
        }
        if rate > 0, walk.units > 0 {
            let duration = walk.duration(
                Double(walk.units) * 1024 / Double(rate), streamStart: start, sourceSize: source.size)
            info.durationSeconds = duration
            track.durationSeconds = duration
        }
        info.tracks = [track]
        return info
    }
}

/// AMR narrowband and wideband storage format (RFC 4867, section 5).
enum AMRProbe {
    /// Speech bytes per frame type, without the one-byte frame header; nil for reserved types.
    private static let narrowbandSizes: [Int?] = [
        12, 13, 15, 17, 19, 20, 26, 31, 5, nil, nil, nil, nil, nil, nil, 0,
    ]
    private static let widebandSizes: [Int?] = [
        17, 23, 32, 36, 40, 46, 50, 58, 60, 5, nil, nil, nil, nil, 0, 0,
    ]

    static func probe(_ source: some ByteSource) throws -> AVInfo {
        let head = ByteView(try source.readClamped(at: 0, count: 16))
        let wideband = head.matches("#!AMR-WB\n", at: 0)
        var info = AVInfo(container: .amr)
        guard wideband || head.matches("#!AMR\n", at: 0) else {
            info.problems.append(
                head.matches("#!AMR_MC", at: 0)
                    ? "multichannel AMR is not supported" : "the AMR header is damaged")
            return info
        }
        let sizes = wideband ? widebandSizes : narrowbandSizes
        let start = wideband ? 9 : 6
        var track = AVTrack(
            kind: .audio, codec: wideband ? "amr_wb" : "amr_nb", codecTag: wideband ? "sawb" : "samr")
        track.channels = 1
        track.sampleRate = wideband ? 16_000 : 8_000
        let walk = try FrameWalker.walk(source, from: start, headerBytes: 1) { bytes, offset in
            guard let toc = bytes.u8(at: offset), toc & 0x83 == 0, let size = sizes[(toc >> 3) & 0x0F]
            else {
                return nil
            }
            return (size + 1, 1)
        }
        if let damagedAt = walk.damagedAt {
            info.problems.append(
                "the AMR stream is damaged at offset \(damagedAt): no valid frame header there")
        } else if walk.lastFrameCut {
            info.problems.append("the last AMR frame is cut off: the file is truncated")
        }
        let duration = walk.duration(Double(walk.units) * 0.02, streamStart: start, sourceSize: source.size)
        info.durationSeconds = duration
        track.durationSeconds = duration
        info.tracks = [track]
        return info
    }
}

/// RIFF/WAVE.
enum WAVProbe {
    static func probe(_ source: some ByteSource) throws -> AVInfo {
        var info = AVInfo(container: .wav)
        var offset = 12
        var format: ByteView?
        var dataSize: Int?
        var chunks = 0
        while offset + 8 <= source.size, chunks < 1000 {
            chunks += 1
            let header = ByteView(try source.readClamped(at: offset, count: 8))
            guard let id = header.fourCC(at: 0), let size = header.u32LE(at: 4) else {
                info.problems.append("unreadable RIFF chunk at offset \(offset): the file is damaged")
                break
            }
            if id == "fmt " {
                format = ByteView(try source.readClamped(at: offset + 8, count: min(size, 64)))
            } else if id == "data" {
                dataSize = min(size, source.size - offset - 8)
                if size != 0xFFFF_FFFF && size > source.size - offset - 8 {
                    info.problems.append("the audio data is cut off: the file is truncated")
                }
                break
            }
            offset += 8 + size + (size & 1)
        }
        guard let format, let tag = format.u16LE(at: 0) else {
            info.problems.append("no 'fmt ' chunk: the WAV file is damaged")
            return info
        }
        var formatTag = tag
        if tag == 0xFFFE, let subformat = format.u16LE(at: 24) { formatTag = subformat }
        let bits = format.u16LE(at: 14) ?? 0
        let codec: String
        switch formatTag {
        case 1: codec = bits == 8 ? "pcm_u8" : "pcm_s\(bits)le"
        case 2: codec = "adpcm_ms"
        case 3: codec = "pcm_f\(bits)le"
        case 6: codec = "pcm_alaw"
        case 7: codec = "pcm_mulaw"
        case 0x11: codec = "adpcm_ima_wav"
        case 0x55: codec = "mp3"
        default: codec = "wav-0x" + String(formatTag, radix: 16)
        }
        var track = AVTrack(kind: .audio, codec: codec, codecTag: "0x" + String(formatTag, radix: 16))
        track.channels = format.u16LE(at: 2)
        track.sampleRate = format.u32LE(at: 4)
        if let dataSize, let byteRate = format.u32LE(at: 8), byteRate > 0 {
            let duration = (Double(dataSize) / Double(byteRate) * 1000).rounded() / 1000
            track.durationSeconds = duration
            info.durationSeconds = duration
        } else if dataSize == nil {
            info.problems.append("no 'data' chunk: the WAV file holds no audio")
        }
        info.tracks = [track]
        return info
    }
}

/// Native FLAC.
enum FLACProbe {
    struct StreamInfo {
        var sampleRate: Int
        var channels: Int
        var bitsPerSample: Int
        var totalSamples: Int
    }

    /// Reads a STREAMINFO block body starting at `offset`.
    static func streamInfo(_ bytes: ByteView, at offset: Int) -> StreamInfo? {
        guard let packed = bytes.u64(at: offset + 10) else { return nil }
        let rate = Int(packed >> 44)
        let channels = Int((packed >> 41) & 0x07) + 1
        let bits = Int((packed >> 36) & 0x1F) + 1
        let total = Int(packed & 0xF_FFFF_FFFF)
        guard rate > 0 else { return nil }
        return StreamInfo(
            sampleRate: rate, channels: channels, bitsPerSample: bits, totalSamples: total)
    }

    static func probe(_ source: some ByteSource) throws -> AVInfo {
        var info = AVInfo(container: .flac)
        let start = ID3.tagLength(ByteView(try source.readClamped(at: 0, count: 10)))
        let head = ByteView(try source.readClamped(at: start, count: 42))
        guard head.matches("fLaC", at: 0), let blockType = head.u8(at: 4), blockType & 0x7F == 0,
            let stream = streamInfo(head, at: 8)
        else {
            info.problems.append("no FLAC STREAMINFO block: the file is damaged")
            return info
        }
        var track = AVTrack(kind: .audio, codec: "flac", codecTag: "fLaC")
        track.sampleRate = stream.sampleRate
        track.channels = stream.channels
        if stream.totalSamples > 0 {
            let duration =
                (Double(stream.totalSamples) / Double(stream.sampleRate) * 1000).rounded() / 1000
            track.durationSeconds = duration
            info.durationSeconds = duration
        }
        info.tracks = [track]
        return info
    }
}
