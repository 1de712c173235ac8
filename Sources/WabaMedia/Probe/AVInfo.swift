/// What the audio/video probes found inside a container.
///
/// Placeholder until the container probes land: inspection leaves it nil.
public struct AVInfo: Sendable, Hashable, Codable {
    /// A more precise MIME type learned from the tracks (an audio-only MP4 is `audio/mp4`).
    public var refinedMIME: String?

    public init(refinedMIME: String? = nil) {
        self.refinedMIME = refinedMIME
    }
}

/// Reads the codecs and tracks of audio and video containers.
public enum AVProbe {
    /// Probes `source` when `mime` is an audio or video container it understands, else nil.
    public static func probe(_ source: some ByteSource, mime: String) throws -> AVInfo? {
        nil
    }
}
