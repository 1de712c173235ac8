/// Ends a command with a status after its results were printed.
struct CommandFailure: Error {
    var exitCode: Int32
    var message: String

    static func rejected(_ message: String = "") -> Self { Self(exitCode: ExitStatus.failure, message: message) }
    static func usage(_ message: String) -> Self { Self(exitCode: ExitStatus.usage, message: message) }
}
