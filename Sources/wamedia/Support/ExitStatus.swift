/// The exit statuses every subcommand uses.
enum ExitStatus {
    static let success: Int32 = 0
    /// Something was rejected, or a send failed.
    static let failure: Int32 = 1
    /// The command line itself was wrong.
    static let usage: Int32 = 2
}
