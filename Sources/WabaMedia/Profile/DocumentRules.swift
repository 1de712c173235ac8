public struct DocumentRules: Sendable, Hashable {
    public var maxBytes: Int
    public var formats: [AcceptedFormat]
    /// Whether `text/csv`, `text/x-c` and other plain-text variants count as `text/plain`.
    public var textVariantsAsPlain: Bool

    public init(maxBytes: Int, formats: [AcceptedFormat], textVariantsAsPlain: Bool) {
        self.maxBytes = maxBytes
        self.formats = formats
        self.textVariantsAsPlain = textVariantsAsPlain
    }
}
