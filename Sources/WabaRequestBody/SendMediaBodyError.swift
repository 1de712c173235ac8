/// Why a request body is not a send-media request, or could not be taken in.
public struct SendMediaBodyError: Error, Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// Not a JSON object of the contract's shape (a field twice, a nested value, a cut-off body).
        case malformed
        /// `media_data` is not valid base64; the message says where (the character's position).
        case invalidMediaData
        /// The decoded media could not be stored: a failure on the receiving side, not the client's.
        case storage
    }

    public var kind: Kind
    /// What is wrong, in words a client can act on.
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    init(_ error: Base64DecodingError) {
        self.init(error.isStorageFailure ? .storage : .invalidMediaData, error.message)
    }
}
