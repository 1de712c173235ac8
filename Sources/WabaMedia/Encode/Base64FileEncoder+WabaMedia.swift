public import WabaEncoding

extension Base64FileEncoder {
    /// Encodes a file the pipeline already opened, such as the one it inspected, so the bytes
    /// sent are those of the file that was checked even if its path is replaced meanwhile.
    ///
    /// The encoder reads through its own duplicate of the source's descriptor; the source stays
    /// usable and may be released first. A write to the file since the source was opened fails the
    /// encode with `source-changed` before its last chunk.
    /// - Throws: ``Base64FileEncoder/Error`` `invalid-argument` for a chunk size that is not a
    ///   positive multiple of 3 or a kernel this CPU cannot run; `WabaMediaError(_:)` converts it.
    public init(
        source: FileSource, chunkSize: Int = defaultChunkSize, kernel: Base64Encoder.Kernel = .best
    ) throws {
        try self.init(sharing: source.file, chunkSize: chunkSize, kernel: kernel)
    }
}

extension WabaMediaError {
    /// The same error as the encoder's: the same code, message and hint, and the encoder's as its cause.
    public init(_ error: Base64FileEncoder.Error) {
        let code: Code =
            switch error.code {
            case .fileNotFound: .fileNotFound
            case .unsupportedInput: .unsupportedInput
            case .invalidArgument: .invalidArgument
            case .sourceChanged: .sourceChanged
            default: .ioError
            }
        self.init(code, error.message, hint: error.hint, cause: error)
    }
}
