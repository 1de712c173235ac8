extension Base64FileEncoder {
    /// Why a file could not be encoded: what failed (naming the file), why, and what to do.
    ///
    /// The codes are spelled as `WabaMediaError`'s, and WabaMedia converts one into the other
    /// (`WabaMediaError(_:)`), so a caller of the whole library sees a single error type.
    public struct Error: Swift.Error, Sendable, Hashable, CustomStringConvertible {
        /// A stable identifier for the kind of error.
        public struct Code: Hashable, Sendable, CustomStringConvertible {
            public let description: String

            private init(_ description: String) { self.description = description }

            /// The file does not exist.
            public static let fileNotFound = Self("file-not-found")
            /// The file cannot be opened or read, changed size while being read, or the output
            /// cannot be written.
            public static let ioError = Self("io-error")
            /// The path or descriptor is not a regular file (a folder, a device, a pipe).
            public static let unsupportedInput = Self("unsupported-input")
            /// A chunk size, kernel or descriptor the encoder cannot use.
            public static let invalidArgument = Self("invalid-argument")
            /// The file was written to while it was being read: what was read is not one version of it.
            public static let sourceChanged = Self("source-changed")
        }

        public var code: Code
        /// What went wrong, naming the file concerned.
        public var message: String
        /// What the user can do about it.
        public var hint: String?

        init(_ code: Code, _ message: String, hint: String? = nil) {
            self.code = code
            self.message = message
            self.hint = hint
        }

        public var description: String {
            if let hint { return "\(message) (\(hint))" }
            return message
        }
    }
}
