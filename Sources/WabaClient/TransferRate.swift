import WabaMedia

/// The slowest a response body may arrive: at least ``bytes`` in every ``window`` while it is read.
///
/// A per-read timeout never fires for a server that drips a byte a second; this floor ends such a
/// read after one window, whatever the overall timeout allows.
public struct TransferRate: Sendable, Hashable, CustomStringConvertible {
    public var bytes: Int
    public var window: Duration

    public init(bytes: Int, window: Duration) {
        self.bytes = bytes
        self.window = window
    }

    /// 8 KiB in every 4 s (2 KiB/s). The first 256 KiB of an asset would take two minutes at that
    /// pace, far longer than the platform waits for a media URL, so no server it could use is
    /// refused; a server dripping bytes is caught within 4 s of its body starting.
    public static let assetCheck = TransferRate(bytes: 8 * 1024, window: .seconds(4))

    public var description: String { "\(bytes) bytes in every \(window.secondsText(roundedToMilliseconds: true))" }
}
