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
    public var refinedMIME: MIMEType?
    /// For ISO base media files: what records where it was made, each named with where it is: boxes
    /// and metadata keys (`©xyz`, `loci`, `com.apple.quicktime.location.ISO6709`), XMP GPS (`uuid`,
    /// `XMP_`) and timed-metadata tracks of positions (`GPS data track (gpmd)`, `camm`, `mebx`);
    /// empty when nothing does.
    public var location: [String] = []

    public init(
        container: Container, brand: String? = nil, compatibleBrands: [String] = [],
        durationSeconds: Double? = nil,
        tracks: [AVTrack] = [], faststart: Bool? = nil, fragmented: Bool = false,
        problems: [String] = [],
        refinedMIME: MIMEType? = nil
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
