/// The profile's audio and video rules (codecs, streams, voice notes) turned into findings.
enum AVRules {
    static func findings(for inspection: Inspection, as mediaType: MediaType, profile: MediaProfile) -> [Finding] {
        []
    }
}
