/// What audio that must be transcoded becomes.
public enum AudioTarget: String, Sendable, Hashable, CaseIterable, Codable {
    /// A voice note when the recording is mono or already Opus; AAC in M4A otherwise.
    case auto
    /// Opus in OGG, mono: a voice note, which WhatsApp shows with a play button.
    case voice
    /// AAC-LC in M4A, the channels kept (at most two).
    case audio
}
