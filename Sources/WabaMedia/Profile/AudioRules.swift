public struct AudioRules: Sendable, Hashable {
    public var maxBytes: Int
    public var formats: [AcceptedFormat]
    /// Codecs accepted inside an OGG container (`opus`).
    public var oggCodecs: [String]
    /// Voice notes above this size show no play button.
    public var voiceNoteMaxBytes: Int
    /// What audio that must be transcoded becomes, unless the caller says.
    public var transcodeTo: AudioTarget
    /// Opus in OGG must be mono, as Meta's page says ("mono input only"): stereo or multichannel
    /// Opus is downmixed to mono. False keeps such a file as it is, with a warning.
    public var oggMonoOnly: Bool

    public init(
        maxBytes: Int, formats: [AcceptedFormat], oggCodecs: [String], voiceNoteMaxBytes: Int,
        transcodeTo: AudioTarget = .auto, oggMonoOnly: Bool = true
    ) {
        self.maxBytes = maxBytes
        self.formats = formats
        self.oggCodecs = oggCodecs
        self.voiceNoteMaxBytes = voiceNoteMaxBytes
        self.transcodeTo = transcodeTo
        self.oggMonoOnly = oggMonoOnly
    }
}
