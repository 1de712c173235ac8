/// An error that stops an operation: a file that cannot be opened, a profile that
/// cannot be parsed, a native library that failed.
///
/// Problems *with the media* are ``Finding``s, collected in a report; this type is
/// for the cases where there is no report to give.
public struct WabaMediaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable identifier for the kind of error.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case fileNotFound = "file-not-found"
            case ioError = "io-error"
            case invalidProfile = "invalid-profile"
            case profileNotFound = "profile-not-found"
            case nativeLibrary = "native-library"
            case invalidArgument = "invalid-argument"
            case unsupportedInput = "unsupported-input"
            case transformFailed = "transform-failed"
            case incompleteData = "incomplete-data"
            case sourceChanged = "source-changed"
        }

        fileprivate let base: Base
        public var description: String { base.rawValue }

        public static let fileNotFound = Self(base: .fileNotFound)
        public static let ioError = Self(base: .ioError)
        public static let invalidProfile = Self(base: .invalidProfile)
        public static let profileNotFound = Self(base: .profileNotFound)
        public static let nativeLibrary = Self(base: .nativeLibrary)
        public static let invalidArgument = Self(base: .invalidArgument)
        public static let unsupportedInput = Self(base: .unsupportedInput)
        public static let transformFailed = Self(base: .transformFailed)
        /// Only part of the content is available (a remote asset's first bytes) and more was needed.
        public static let incompleteData = Self(base: .incompleteData)
        /// The input was written to while it was being read: what was checked is not what would be sent.
        public static let sourceChanged = Self(base: .sourceChanged)
    }

    public var code: Code
    /// What went wrong, naming the file or key concerned.
    public var message: String
    /// What the user can do about it.
    public var hint: String?

    public init(_ code: Code, _ message: String, hint: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

    public var description: String {
        if let hint { return "\(message) (\(hint))" }
        return message
    }
}
