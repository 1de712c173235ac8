/// Every finding code the package emits, in one place.
///
/// Codes are a public contract: scripts match on them, and README.md and docs/findings.md list
/// them (a test checks the three agree). A new code is added here, with the severities it can
/// have and its meaning, or nowhere.
extension Finding.Code {
    // MARK: Any file

    /// The file has no bytes.
    public static let empty: Self = "empty"
    /// The file cannot be read or decoded (truncated, corrupt, unknown format).
    public static let unreadable: Self = "unreadable"
    /// The content's type is not one the requested media type accepts.
    public static let mimeMismatch: Self = "mime-mismatch"
    /// The content's type is accepted only after conversion (HEIC, WebP, GIF, QuickTime, ...).
    public static let needsConversion: Self = "needs-conversion"
    /// The file's extension does not match its content.
    public static let extensionMismatch: Self = "extension-mismatch"
    /// The file is over the profile's byte limit.
    public static let tooLarge: Self = "too-large"
    /// The caption is longer than the profile allows.
    public static let captionTooLong: Self = "caption-too-long"
    /// A caption was given for a media type that does not show one.
    public static let captionIgnored: Self = "caption-ignored"

    // MARK: Images

    /// The image's samples are not 8-bit (16-bit, or a PNG's 1, 2 or 4 bits).
    public static let notEightBit: Self = "not-8-bit"
    /// The image is not RGB, RGBA or grey (CMYK, Lab, ...).
    public static let colourSpace: Self = "colour-space"
    /// A greyscale or grey+alpha image, against Meta's "Images must be 8-bit, RGB or RGBA": converted
    /// to sRGB RGB or RGBA (a warning when the profile's `require_rgb` is false).
    public static let colourModel: Self = "colour-model"
    /// An image tagged with an ICC profile that is not sRGB (Display P3, Adobe RGB, ...): converted
    /// to sRGB (a warning when the profile's `require_srgb` is false).
    public static let colourProfile: Self = "colour-profile"
    /// The image carries EXIF or XMP metadata (camera details) that would leave the sender's machine.
    public static let metadata: Self = "metadata"
    /// The content records where it was made (EXIF or XMP GPS, PNG text chunks, MP4/MOV location atoms): removed
    /// before sending unless metadata is kept (a warning then). Images and videos.
    public static let location: Self = "location"
    /// A metadata block (PNG text or profile chunk, JPEG APP segments) is too large to read
    /// safely, possibly a decompression bomb (judged by what it inflates to, with a hard bound):
    /// the image is sent without it.
    public static let oversizedMetadata: Self = "oversized-metadata"
    /// The image has more pixels than the profile allows decoding.
    public static let tooManyPixels: Self = "too-many-pixels"
    /// The image is larger than the profile's long edge.
    public static let dimensions: Self = "dimensions"
    /// The image is animated (GIF, WebP, APNG); only its first frame can be sent.
    public static let animated: Self = "animated"
    /// An animation sent as video plays longer than the profile's `max_animation_seconds`.
    public static let animationTooLong: Self = "animation-too-long"

    // MARK: Audio and video

    /// A video track's codec is not one the profile allows (WhatsApp plays H.264 only).
    public static let videoCodec: Self = "video-codec"
    /// An audio track's codec is not one the profile allows (AAC in video, Opus in OGG).
    public static let audioCodec: Self = "audio-codec"
    /// More audio tracks than the profile allows; the rewriter keeps one.
    public static let tooManyAudioStreams: Self = "too-many-audio-streams"
    /// An H.264 profile that some phones cannot decode: High (Meta: Android clients do not support
    /// it) and the 10-bit, 4:2:2 and 4:4:4 profiles, re-encoded in Main; a warning for the profiles
    /// a profile's `h264_warn_profiles` lists.
    public static let h264Profile: Self = "h264-profile"
    /// H.264 with B-frames, which Meta says Android clients do not support: re-encoded without them
    /// (a warning when the profile's `fix_b_frames` is false).
    public static let bFrames: Self = "b-frames"
    /// `moov` after `mdat`: playback cannot start before the whole file is downloaded.
    public static let notFaststart: Self = "not-faststart"
    /// The container is not one the media type accepts.
    public static let container: Self = "container"
    /// Audio so short that nothing can be heard and an encode of it may hold no audio at all.
    public static let tooShort: Self = "too-short"
    /// A voice note larger than the size that shows a play button, or one too long to fit it even at
    /// the lowest bitrate of the voice-note ladder.
    public static let voiceNoteSize: Self = "voice-note-size"
    /// Opus in OGG with more than one channel, against Meta's "mono input only": downmixed to mono
    /// (a warning when the profile's `ogg_mono_only` is false).
    public static let voiceNoteChannels: Self = "voice-note-channels"
    /// The container is damaged or truncated.
    public static let malformedContainer: Self = "malformed-container"
    /// More tracks than wamedia reads (``AVProbe/maxTracks``): refused, never judged by part of them.
    public static let tooManyTracks: Self = "too-many-tracks"
    /// The file must be transcoded, and ffmpeg (or an encoder it needs) is not installed.
    public static let ffmpegMissing: Self = "ffmpeg-missing"

    // MARK: Batches

    /// A manifest row that cannot be read: wrong number of fields, bad JSON, a missing `media`, an unknown type.
    public static let manifestRow: Self = "manifest-row"
    /// A manifest over its size limit: reading stopped, and the rows after it are not checked.
    public static let manifestLimit: Self = "manifest-limit"
    /// A folder or pattern given as input that cannot be read or matches nothing.
    public static let input: Self = "input"
    /// The same content as an earlier asset: checked once, reported for each.
    public static let duplicate: Self = "duplicate"
    /// A remote asset `prepare` passes on by URL without fetching it.
    public static let notFetched: Self = "not-fetched"

    // MARK: Remote assets

    /// The URL is not a valid `http(s)` URL.
    public static let urlInvalid: Self = "url-invalid"
    /// The server answered with an error status (404, 403, 500, ...).
    public static let urlStatus: Self = "url-status"
    /// The server's `Content-Type` is missing, generic, an HTML page, or not what the content is.
    public static let urlContentType: Self = "url-content-type"
    /// The server says the content is over the limit for its media type.
    public static let urlTooLarge: Self = "url-too-large"
    /// The server says nothing of the content's size.
    public static let urlUnknownLength: Self = "url-unknown-length"
    /// The URL redirects (a warning), too many times or in a loop (rejected).
    public static let urlRedirects: Self = "url-redirects"
    /// The server did not answer in time.
    public static let urlTimeout: Self = "url-timeout"
    /// The server cannot be reached (name not found, connection refused or reset).
    public static let urlUnreachable: Self = "url-unreachable"
    /// The URL is plain `http`; the platform fetches public `https` URLs only.
    public static let urlNotHTTPS: Self = "url-not-https"
    /// No `Cache-Control`, `ETag` or `Last-Modified` (or `no-store`): Meta fetches it again for every message.
    public static let urlNotCacheable: Self = "url-not-cacheable"
    /// The host resolves to a private, loopback or link-local address.
    public static let urlPrivateAddress: Self = "url-private-address"

    /// What a code is for: the severities it is emitted with and its meaning in one line.
    public struct Entry: Sendable, Hashable {
        public var code: Finding.Code
        public var severities: Set<Finding.Severity>
        public var meaning: String
    }

    /// Every code, in the order the documentation lists them.
    public static let all: [Entry] = [
        Entry(code: .empty, severities: [.rejected], meaning: "the file has no bytes"),
        Entry(code: .unreadable, severities: [.rejected], meaning: "the file cannot be read or decoded"),
        Entry(
            code: .mimeMismatch, severities: [.fixable, .rejected],
            meaning: "the content is not a type the media type accepts (fixable: transcoded)"),
        Entry(code: .needsConversion, severities: [.fixable], meaning: "an accepted type only after conversion"),
        Entry(
            code: .extensionMismatch, severities: [.warning, .fixable],
            meaning: "the name's extension does not match the content"),
        Entry(code: .tooLarge, severities: [.fixable, .rejected], meaning: "over the profile's byte limit"),
        Entry(code: .captionTooLong, severities: [.rejected], meaning: "the caption is over the profile's length"),
        Entry(code: .captionIgnored, severities: [.warning], meaning: "a caption the media type does not show"),
        Entry(code: .notEightBit, severities: [.fixable], meaning: "image samples that are not 8-bit (16, or 1, 2, 4)"),
        Entry(code: .colourSpace, severities: [.fixable], meaning: "an image that is not RGB, RGBA or grey"),
        Entry(
            code: .colourModel, severities: [.fixable, .warning],
            meaning: "a greyscale or grey+alpha image (fixable: converted to sRGB RGB or RGBA)"),
        Entry(
            code: .colourProfile, severities: [.fixable, .warning],
            meaning: "an ICC profile other than sRGB, such as Display P3 (fixable: converted to sRGB)"),
        Entry(code: .metadata, severities: [.warning], meaning: "EXIF or XMP metadata in an image"),
        Entry(
            code: .location, severities: [.fixable, .warning],
            meaning: "a recorded location (GPS, location atoms): removed unless metadata is kept"),
        Entry(
            code: .oversizedMetadata, severities: [.fixable],
            meaning: "a metadata block too large to read safely (or inflating past 1 MiB): dropped"),
        Entry(code: .tooManyPixels, severities: [.rejected], meaning: "more pixels than the profile decodes"),
        Entry(code: .dimensions, severities: [.warning], meaning: "longer than the profile's long edge"),
        Entry(code: .animated, severities: [.fixable], meaning: "an animated image: only the first frame is sent"),
        Entry(
            code: .animationTooLong, severities: [.rejected],
            meaning: "an animation sent as video that plays longer than the profile allows"),
        Entry(
            code: .videoCodec, severities: [.fixable, .rejected],
            meaning: "a video codec the profile does not allow (fixable: transcoded)"),
        Entry(
            code: .audioCodec, severities: [.fixable, .rejected],
            meaning: "an audio codec the profile does not allow (fixable: transcoded)"),
        Entry(
            code: .tooManyAudioStreams, severities: [.fixable, .rejected],
            meaning: "more audio tracks than the profile allows"),
        Entry(
            code: .h264Profile, severities: [.warning, .fixable, .rejected],
            meaning: "an H.264 profile phones may not play: High or higher (fixable: re-encoded in Main)"),
        Entry(
            code: .bFrames, severities: [.warning, .fixable, .rejected],
            meaning: "H.264 B-frames, which Meta says Android clients do not support (fixable: re-encoded)"),
        Entry(code: .notFaststart, severities: [.fixable, .warning], meaning: "the index (moov) after the media data"),
        Entry(
            code: .container, severities: [.fixable, .rejected],
            meaning: "a container the media type does not accept (fixable: transcoded)"),
        Entry(code: .tooShort, severities: [.rejected], meaning: "audio shorter than anyone can hear"),
        Entry(code: .voiceNoteSize, severities: [.warning], meaning: "a voice note too large for a play button"),
        Entry(
            code: .voiceNoteChannels, severities: [.warning, .fixable, .rejected],
            meaning: "Opus in OGG that is not mono (fixable: downmixed)"),
        Entry(code: .malformedContainer, severities: [.rejected], meaning: "a damaged or truncated container"),
        Entry(
            code: .tooManyTracks, severities: [.rejected],
            meaning: "more tracks than wamedia reads: refused, never judged by part of them"),
        Entry(
            code: .ffmpegMissing, severities: [.rejected],
            meaning: "a transcode is needed and ffmpeg or its encoder is not installed"),
        Entry(code: .manifestRow, severities: [.rejected], meaning: "a manifest row that cannot be read"),
        Entry(code: .manifestLimit, severities: [.rejected], meaning: "a manifest over its row, line or size limit"),
        Entry(code: .input, severities: [.rejected], meaning: "an input folder or pattern that gives nothing"),
        Entry(code: .duplicate, severities: [.warning], meaning: "the same content as an earlier asset"),
        Entry(code: .notFetched, severities: [.warning], meaning: "a URL that prepare passes on without fetching"),
        Entry(code: .urlInvalid, severities: [.rejected], meaning: "not a valid http(s) URL"),
        Entry(code: .urlStatus, severities: [.rejected], meaning: "the server answered with an error status"),
        Entry(code: .urlContentType, severities: [.rejected], meaning: "a missing, generic or wrong Content-Type"),
        Entry(code: .urlTooLarge, severities: [.rejected], meaning: "the server's size is over the limit"),
        Entry(code: .urlUnknownLength, severities: [.warning], meaning: "the server gives no size"),
        Entry(code: .urlRedirects, severities: [.warning, .rejected], meaning: "redirects, or too many of them"),
        Entry(code: .urlTimeout, severities: [.rejected], meaning: "not checked within --timeout, or a body too slow"),
        Entry(code: .urlUnreachable, severities: [.rejected], meaning: "the server cannot be reached"),
        Entry(code: .urlNotHTTPS, severities: [.warning, .rejected], meaning: "plain http"),
        Entry(code: .urlNotCacheable, severities: [.warning], meaning: "nothing that lets Meta cache the media"),
        Entry(code: .urlPrivateAddress, severities: [.rejected], meaning: "the host is not a public address"),
    ]
}
