/// What the audio/video probes found inside a container: its kind, duration and tracks,
/// read from headers only.
public struct AVInfo: Sendable, Hashable, Codable {
    /// The container format, as the bytes say (not as the file name says).
    public enum Container: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        /// ISO base media file with an MP4 brand (`isom`, `mp42`, `avc1`, ...).
        case mp4
        /// ISO base media file with a 3GPP brand (`3gp4`, `3gp5`, `3g2a`, ...).
        case threeGP = "3gp"
        /// QuickTime movie (`qt  ` brand, or no `ftyp` at all).
        case quicktime
        /// ISO base media file with an iTunes audio brand (`M4A `, `M4B `).
        case m4a
        case ogg
        case mp3
        /// Raw AAC in ADTS frames.
        case adts
        case amr
        case webm
        case matroska
        case wav
        case flac
        /// RIFF AVI (DivX, Xvid and camera exports): read to be transcoded, never sent as is.
        case avi
        /// AIFF and AIFF-C: read to be transcoded, never sent as is.
        case aiff

        public var description: String { rawValue }

        /// Whether this is an ISO base media file (the boxes the container rewriter understands).
        public var isISOBaseMedia: Bool {
            self == .mp4 || self == .threeGP || self == .quicktime || self == .m4a
        }
    }

    public var container: Container
    /// The `ftyp` major brand of ISO base media files (`isom`, `qt  `, `3gp4`, ...).
    public var brand: String?
    /// The `ftyp` compatible brands.
    public var compatibleBrands: [String]
    /// The playing time in seconds, when the headers give it.
    public var durationSeconds: Double?
    public var tracks: [AVTrack]
    /// For ISO base media files: whether `moov` comes before `mdat`, so playback can start while downloading.
    public var faststart: Bool?
    /// For ISO base media files: whether the media is in fragments (`moof`), which the rewriter leaves alone.
    public var fragmented: Bool
    /// Damage found while parsing (truncation, impossible lengths, missing boxes), in words users see.
    /// Empty for an intact file.
    public var problems: [String]
    /// Why the track list was not read whole, when it was not: more tracks than ``AVProbe/maxTracks``,
    /// or a list too large to read. Such a file is refused (`too-many-tracks`), never judged by the
    /// tracks that were read: a video track past them would be dropped without a word.
    public var trackListUnread: String?
    /// A more precise MIME type learned from the tracks (an audio-only MP4 is `audio/mp4`).
    public var refinedMIME: String?
    /// For ISO base media files: the boxes and metadata keys that record where it was made
    /// (`©xyz`, `loci`, `com.apple.quicktime.location.ISO6709`); empty when none do.
    public var location: [String] = []

    public init(
        container: Container, brand: String? = nil, compatibleBrands: [String] = [],
        durationSeconds: Double? = nil,
        tracks: [AVTrack] = [], faststart: Bool? = nil, fragmented: Bool = false,
        problems: [String] = [],
        refinedMIME: String? = nil
    ) {
        self.container = container
        self.brand = brand
        self.compatibleBrands = compatibleBrands
        self.durationSeconds = durationSeconds
        self.tracks = tracks
        self.faststart = faststart
        self.fragmented = fragmented
        self.problems = problems
        self.refinedMIME = refinedMIME
    }

    public var videoTracks: [AVTrack] { tracks.filter { $0.kind == .video } }
    public var audioTracks: [AVTrack] { tracks.filter { $0.kind == .audio } }

    enum CodingKeys: String, CodingKey {
        case container, brand, tracks, faststart, fragmented, problems, location
        case trackListUnread = "track_list_unread"
        case compatibleBrands = "compatible_brands"
        case durationSeconds = "duration_seconds"
        case refinedMIME = "refined_mime"
    }
}

/// One elementary stream inside a container.
public struct AVTrack: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CustomStringConvertible {
        case video, audio, subtitle, timecode, metadata, other
        public var description: String { rawValue }
    }

    /// The container's own track number (`tkhd` track ID, Matroska track number, OGG serial), if any.
    public var id: Int?
    public var kind: Kind
    /// A short codec name: `h264`, `hevc`, `vp9`, `av1`, `aac`, `opus`, `vorbis`, `mp3`, `amr_nb`, `pcm_s16le`, ...
    public var codec: String
    /// The codec as the container names it: an ISO sample entry fourcc (`avc1`, `mp4a`), a Matroska
    /// codec ID (`V_VP9`), a WAV format tag (`0x0001`).
    public var codecTag: String?
    /// For `mp4a` entries: the MPEG-4 object type indication (`0x40` for AAC, `0x6B` for MP3).
    public var objectType: Int?
    /// For AAC: the audio object type (2 for AAC-LC, 5 for HE-AAC, ...).
    public var audioObjectType: Int?
    public var durationSeconds: Double?
    public var width: Int?
    public var height: Int?
    /// Frames per second (the average, from the sample count and the track duration).
    public var frameRate: Double?
    /// Clockwise display rotation in degrees (0, 90, 180, 270) from the track matrix.
    public var rotation: Int?
    public var channels: Int?
    public var sampleRate: Int?
    /// H.264 profile from `avcC`: `baseline`, `constrained-baseline`, `main`, `extended`, `high`, `high10`,
    /// `high422`, `high444`, ...
    public var h264Profile: String?
    /// H.264 level from `avcC`, such as `3.1`.
    public var h264Level: String?
    /// Whether samples are stored out of presentation order (a `ctts` box): B-frames.
    public var hasBFrames: Bool?
    /// For Opus: samples to drop at the start (at 48 kHz).
    public var preSkip: Int?
    /// The video's transfer characteristics as ISO/IEC 23091-2 numbers them (`colr` box, Matroska
    /// `Colour`): 1 BT.709, 16 PQ (HDR10, Dolby Vision), 18 HLG (iPhone HDR); nil when unsaid.
    public var colourTransfer: Int?

    /// Whether the video is HDR (PQ or HLG), which phones without HDR show washed out.
    public var isHDR: Bool { colourTransfer == 16 || colourTransfer == 18 }

    public init(id: Int? = nil, kind: Kind, codec: String, codecTag: String? = nil) {
        self.id = id
        self.kind = kind
        self.codec = codec
        self.codecTag = codecTag
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, codec, width, height, rotation, channels
        case codecTag = "codec_tag"
        case objectType = "object_type"
        case audioObjectType = "audio_object_type"
        case durationSeconds = "duration_seconds"
        case frameRate = "frame_rate"
        case sampleRate = "sample_rate"
        case h264Profile = "h264_profile"
        case h264Level = "h264_level"
        case hasBFrames = "has_b_frames"
        case preSkip = "pre_skip"
        case colourTransfer = "colour_transfer"
    }
}

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
    public static func probe(_ source: some ByteSource, mime: String) throws -> AVInfo? {
        guard
            mime.hasPrefix("audio/") || mime.hasPrefix("video/") || mime == "application/ogg"
                || mime == "application/x-matroska" || mime == "application/octet-stream"
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
            } else if let mp3 = try MP3Probe.probe(source, strict: mime != "audio/mpeg") {
                info = mp3
            } else if mime == "audio/aac", let adts = try ADTSProbe.probe(source, strict: false) {
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
    static func sniff(_ head: [UInt8], mime: String) -> Format? {
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
            return mime == "audio/flac" ? .flac : .mpegAudio
        }
        if head.count >= 2, head[0] == 0xFF, head[1] & 0xE0 == 0xE0 { return .mpegAudio }
        switch mime {
        case "video/mp4", "video/3gpp", "video/3gpp2", "video/quicktime", "audio/mp4":
            return .isoBaseMedia
        case "audio/mpeg", "audio/aac": return .mpegAudio
        default: return nil
        }
    }

    static func refinedMIME(for info: AVInfo, detected mime: String) -> String? {
        let hasVideo = !info.videoTracks.isEmpty
        let hasAudio = !info.audioTracks.isEmpty
        switch info.container {
        case .mp4, .m4a:
            if !hasVideo && hasAudio { return "audio/mp4" }
            if hasVideo && mime == "audio/mp4" { return "video/mp4" }
            return mime == "video/mp4" || mime == "audio/mp4" ? mime : "video/mp4"
        case .quicktime: return "video/quicktime"
        case .threeGP:
            return mime.hasSuffix("3gpp2") ? mime : (hasVideo || !hasAudio ? "video/3gpp" : "audio/3gpp")
        case .ogg: return hasVideo ? "video/ogg" : "audio/ogg"
        case .webm: return hasVideo ? "video/webm" : "audio/webm"
        case .matroska: return hasVideo ? "video/x-matroska" : "audio/x-matroska"
        case .mp3: return "audio/mpeg"
        case .adts: return "audio/aac"
        case .amr: return info.tracks.first?.codec == "amr_wb" ? "audio/amr-wb" : "audio/amr"
        case .wav: return "audio/wav"
        case .flac: return "audio/flac"
        case .avi: return "video/x-msvideo"
        case .aiff: return "audio/aiff"
        }
    }
}

/// A parse that cannot go on: the message says what was wrong and where.
struct ProbeDamage: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

extension ByteSource {
    /// Reads up to `count` bytes at `offset`, clamped to the content (never a negative or overflowing request).
    func readClamped(at offset: Int, count: Int) throws -> [UInt8] {
        guard offset >= 0, count > 0, offset < size else { return [] }
        return try read(at: offset, count: Swift.min(count, size - offset))
    }
}

/// Seconds from a count of ticks, nil when the clock is unusable.
func seconds(_ ticks: UInt64, timescale: Int) -> Double? {
    guard timescale > 0 else { return nil }
    return Double(ticks) / Double(timescale)
}
