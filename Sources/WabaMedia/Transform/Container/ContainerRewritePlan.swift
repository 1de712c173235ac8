/// What rewriting a file would change, decided from its probe alone.
public struct ContainerRewritePlan: Sendable, Hashable, Codable {
    public enum Action: String, Sendable, Hashable, Codable, CustomStringConvertible {
        /// Move `moov` before `mdat`.
        case faststart
        /// Rewrite a QuickTime movie as MP4.
        case quickTimeToMP4 = "quicktime-to-mp4"
        /// Keep one audio track of several.
        case keepOneAudioTrack = "keep-one-audio-track"
        /// Drop timecode, metadata, text and other tracks that are neither audio nor video.
        case dropNonMediaTracks = "drop-non-media-tracks"
        /// Remove the movie's and tracks' user metadata (location, device, software).
        case dropMetadata = "drop-metadata"
        /// Remove the location: the atoms (`©xyz`, `loci`, QuickTime location keys), XMP with GPS
        /// (`uuid`, `XMP_`), and timed-metadata tracks of positions (`gpmd`, `camm`, `mebx`) with
        /// their samples, which are overwritten with zeros.
        case dropLocation = "drop-location"
        /// Write an MP4 `ftyp` (`isom`) in place of an iTunes video's `M4V ` brand.
        case mp4Brand = "mp4-brand"

        public var description: String { rawValue }

        /// The change in words, for a report's planned steps.
        public var summary: String {
            switch self {
            case .faststart: "move the index (moov) before the media data (faststart)"
            case .quickTimeToMP4: "rewrite the QuickTime movie as MP4 without re-encoding"
            case .keepOneAudioTrack: "keep one audio track"
            case .dropNonMediaTracks: "drop the timecode, metadata and text tracks"
            case .dropMetadata: "drop the movie's metadata (location, device)"
            case .dropLocation: "remove the recorded location"
            case .mp4Brand: "write an MP4 brand (isom) in place of the M4V brand"
            }
        }
    }

    /// Why a file cannot be rewritten.
    public enum Obstacle: Sendable, Hashable, Codable, CustomStringConvertible {
        /// Not an ISO base media file (WebM, Ogg, MP3, ...).
        case notISOBaseMedia(AVInfo.Container)
        /// The probe found structural damage.
        case damaged([String])
        /// Fragmented MP4 (`moof`), which the rewriter does not handle.
        case fragmented
        /// `--audio-track` names a track the file does not have: the user's choice, not the file's fault.
        case noSuchAudioTrack(index: Int, count: Int)

        public var description: String {
            switch self {
            case .notISOBaseMedia(let container):
                "only MP4, 3GP, M4A and QuickTime files can be rewritten, not \(container)"
            case .damaged(let problems): "the file is damaged: " + problems.joined(separator: "; ")
            case .fragmented: "fragmented MP4 files (moof) are not rewritten"
            case .noSuchAudioTrack(let index, let count):
                "there is no audio track \(index): the file has \(count) (numbered from 0)"
            }
        }

        /// The error a rewrite that meets this obstacle throws.
        func error(rewriting name: String) -> WabaMediaError {
            if case .noSuchAudioTrack = self {
                return WabaMediaError(
                    .invalidArgument, "cannot rewrite \(name): \(self)",
                    hint: "pick an existing audio track with --audio-track (counted from 0)")
            }
            return WabaMediaError(
                .unsupportedInput, "cannot rewrite \(name): \(self)",
                hint: "convert it with ffmpeg as 'wamedia check' suggests")
        }
    }

    /// The changes the file needs; empty when it needs none.
    public var actions: [Action]
    /// Why the file cannot be rewritten (not an ISO file, damaged, fragmented), if it cannot.
    public var obstacle: Obstacle?

    /// Whether a rewrite is both needed and possible.
    public var isNeeded: Bool { !actions.isEmpty && obstacle == nil }

    public init(actions: [Action], obstacle: Obstacle? = nil) {
        self.actions = actions
        self.obstacle = obstacle
    }
}
