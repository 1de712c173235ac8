public struct AudioRules: Sendable, Hashable {
    public var maxBytes: Int
    public var formats: [AcceptedFormat]
    /// Codecs accepted inside an OGG container (`opus`).
    public var oggCodecs: [String]
    /// Voice notes above this size show no play button.
    public var voiceNoteMaxBytes: Int
    /// What audio that must be transcoded becomes, unless the caller says.
    public var transcodeTo: AudioTarget

    public init(
        maxBytes: Int, formats: [AcceptedFormat], oggCodecs: [String], voiceNoteMaxBytes: Int,
        transcodeTo: AudioTarget = .auto
    ) {
        self.maxBytes = maxBytes
        self.formats = formats
        self.oggCodecs = oggCodecs
        self.voiceNoteMaxBytes = voiceNoteMaxBytes
        self.transcodeTo = transcodeTo
    }
}
