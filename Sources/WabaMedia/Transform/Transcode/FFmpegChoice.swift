/// Which ffmpeg transcodes.
public enum FFmpegChoice: Sendable, Hashable {
    /// ``FFmpeg/installed``: `$WAMEDIA_FFMPEG` or `ffmpeg` on `PATH`, found on first use.
    case installed
    /// None: files that need a transcode are rejected, as without ffmpeg.
    case none
    case at(FFmpeg)
}
