/// An error that stops an operation: a file that cannot be opened, a profile that
/// cannot be parsed, a native library that failed, a file that cannot be sent.
///
/// Problems *with the media* are ``Finding``s, collected in a report. A preparation that cannot go
/// on throws this type with the report it had made (``report``): `rejected` when findings stop the
/// file (``blocking``), another code when the file was checked but could not be prepared (a
/// transform failed, the input changed while read). It is the one error a preparation throws, so a
/// caller needs one `catch`.
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
            case rejected
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
        /// The file cannot be sent as asked: ``WabaMediaError/blocking`` says why, and
        /// ``WabaMediaError/report`` is the whole check.
        public static let rejected = Self(base: .rejected)
    }

    public var code: Code
    /// What went wrong, naming the file or key concerned.
    public var message: String
    /// What the user can do about it.
    public var hint: String?
    /// The check of the file a preparation was working on, when it had got that far: for `rejected`,
    /// the report whose findings stop the file (of the file the preparation wrote, when that is what
    /// fails the check); for another code, the check of the input it was preparing.
    public var report: ValidationReport?
    /// For `rejected`: the findings that stop the file. Empty for every other code.
    public var blocking: [Finding]
    /// The error underneath (the system's, a library's, a child process's), when there is one.
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, hint: String? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
        self.report = nil
        self.blocking = []
        self.cause = cause
    }

    /// A file that cannot be sent: `report`, stopped by `blocking`. The hint is the blocking
    /// findings' own hints.
    public static func rejected(report: ValidationReport, blocking: [Finding], message: String) -> WabaMediaError {
        let hints = blocking.map(\.hint).filter { !$0.isEmpty }
        var error = WabaMediaError(.rejected, message, hint: hints.isEmpty ? nil : hints.joined(separator: "; "))
        error.report = report
        error.blocking = blocking
        return error
    }

    /// A file that cannot be sent, in the words of its blocking findings.
    ///
    /// - Parameter subject: the input the report is about, when the report is of a prepared file.
    static func rejected(report: ValidationReport, blocking: [Finding], subject: String? = nil) -> WabaMediaError {
        let reasons = blocking.map { "\($0.code): \($0.message)" }.joined(separator: "; ")
        return rejected(
            report: report, blocking: blocking,
            message: "\(subject ?? report.inspection.file) cannot be sent as \(report.mediaType): \(reasons)")
    }

    /// `error` itself when it is a `WabaMediaError`; any other error as `code`, its message naming
    /// `subject`, with `error` as its ``cause``.
    public static func wrapping(_ error: any Error, about subject: String, as code: Code) -> WabaMediaError {
        (error as? WabaMediaError) ?? WabaMediaError(code, "\(subject): \(error)", cause: error)
    }

    /// Equal when everything but the ``cause`` is: errors of other types are not comparable.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.hint == rhs.hint && lhs.report == rhs.report
            && lhs.blocking == rhs.blocking
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
        hasher.combine(hint)
        hasher.combine(report)
        hasher.combine(blocking)
    }

    public var description: String {
        if let hint { return "\(message) (\(hint))" }
        return message
    }
}
