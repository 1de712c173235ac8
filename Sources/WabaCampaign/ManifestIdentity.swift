/// What identifies a campaign's manifest.
public struct ManifestIdentity: Sendable, Hashable {
    /// The manifest's path, as given (for messages).
    public var path: String
    /// A hash of the manifest's bytes (SHA-256, lower-case hex).
    public var fingerprint: String

    public init(path: String, fingerprint: String) {
        self.path = path
        self.fingerprint = fingerprint
    }
}
