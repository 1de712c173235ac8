/// Reads the codecs and tracks of audio and video containers.
///
/// Every parser reads untrusted bytes through a ``ByteSource``: lengths and offsets are checked
/// against what is there, loops and recursion are bounded, and damage ends as a message in
/// ``AVInfo/problems`` rather than an error. The only errors are the source's own: an I/O error, or
/// `incomplete-data` when a partial ``MemorySource`` (a remote asset's first bytes) ends before what
/// the probe needed.
public enum AVProbe {
    /// The most tracks a container may hold: every one is read, and a file with more is refused
    /// rather than judged by part of them. Films with every dub and subtitle have a few dozen.
    public static let maxTracks = 128

    /// Probes `source` when `mime` is an audio or video container it understands, else nil.
    public static func probe(_ source: some ByteSource, mime: MIMEType) throws -> AVInfo? {
        guard
            mime.isAudio || mime.isVideo || mime == .oggApplication || mime == .matroskaApplication
                || mime == .octetStream
        else { return nil }
        guard source.size > 0 else { return nil }
        let head = try source.read(at: 0, count: min(source.size, 64))
        guard let format = sniff(head, mime: mime) else { return nil }
        var info: AVInfo
        switch format {
        case .isoBaseMedia: info = try ISOBaseMediaProbe.probe(source)
        case .ogg: info = try OggProbe.probe(source)
        case .matroska: info = try MatroskaProbe.probe(source)
        case .wav: info = try WAVProbe.probe(source)
        case .flac: info = try FLACProbe.probe(source)
        case .avi: info = try AVIProbe.probe(source)
        case .aiff: info = try AIFFProbe.probe(source)
        case .amr: info = try AMRProbe.probe(source)
        case .mpegAudio:
            if let adts = try ADTSProbe.probe(source, strict: true) {
                info = adts
            } else if let mp3 = try MP3Probe.probe(source, strict: mime != .mpegAudio) {
                info = mp3
            } else if mime == .aac, let adts = try ADTSProbe.probe(source, strict: false) {
                info = adts
            } else {
                return nil
            }
        }
        info.refinedMIME = refinedMIME(for: info, detected: mime)
        return info
    }

    enum Format {
        case isoBaseMedia, ogg, matroska, wav, flac, amr, mpegAudio, avi, aiff
    }

    /// Which parser reads content starting with `head`, by magic bytes first and the MIME type second.
    static func sniff(_ head: [UInt8], mime: MIMEType) -> Format? {
        let bytes = ByteView(head)
        if let type = bytes.fourCC(at: 4),
            ["ftyp", "moov", "mdat", "free", "skip", "wide", "pnot", "styp"].contains(type)
        {
            return .isoBaseMedia
        }
        if head.starts(with: Array("OggS".utf8)) { return .ogg }
        if head.starts(with: [0x1A, 0x45, 0xDF, 0xA3]) { return .matroska }
        if head.count >= 12, head.starts(with: Array("RIFF".utf8)), bytes.fourCC(at: 8) == "WAVE" {
            return .wav
        }
        if head.count >= 12, head.starts(with: Array("RIFF".utf8)), bytes.fourCC(at: 8) == "AVI " { return .avi }
        if head.count >= 12, head.starts(with: Array("FORM".utf8)),
            bytes.fourCC(at: 8) == "AIFF" || bytes.fourCC(at: 8) == "AIFC"
        {
            return .aiff
        }
        if head.starts(with: Array("fLaC".utf8)) { return .flac }
        if head.starts(with: Array("#!AMR".utf8)) { return .amr }
        if head.starts(with: Array("ID3".utf8)) {
            return mime == .flac ? .flac : .mpegAudio
        }
        if head.count >= 2, head[0] == 0xFF, head[1] & 0xE0 == 0xE0 { return .mpegAudio }
        switch mime {
        case .mp4, .threeGPP, .threeGPP2, .quickTime, .m4a:
            return .isoBaseMedia
        case .mpegAudio, .aac: return .mpegAudio
        default: return nil
        }
    }

    static func refinedMIME(for info: AVInfo, detected mime: MIMEType) -> MIMEType? {
        let hasVideo = !info.videoTracks.isEmpty
        let hasAudio = !info.audioTracks.isEmpty
        switch info.container {
        case .mp4, .m4a:
            if !hasVideo && hasAudio { return .m4a }
            if hasVideo && mime == .m4a { return .mp4 }
            return mime == .mp4 || mime == .m4a ? mime : .mp4
        case .quicktime: return .quickTime
        case .threeGP:
            return mime.subtype.hasSuffix("3gpp2") ? mime : (hasVideo || !hasAudio ? .threeGPP : .threeGPPAudio)
        case .ogg: return hasVideo ? .oggVideo : .ogg
        case .webm: return hasVideo ? .webm : .webmAudio
        case .matroska: return hasVideo ? .matroska : .matroskaAudio
        case .mp3: return .mpegAudio
        case .adts: return .aac
        case .amr: return info.tracks.first?.codec == "amr_wb" ? .amrWideband : .amr
        case .wav: return .wav
        case .flac: return .flac
        case .avi: return .avi
        case .aiff: return .aiff
        }
    }
}
