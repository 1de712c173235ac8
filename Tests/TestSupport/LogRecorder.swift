public import Logging
import Synchronization

/// Every line a logger was given, at every level, with its metadata: to prove what was, and what
/// was never, logged.
public final class LogRecorder: Sendable {
    private let lines = Mutex<[String]>([])
    public var text: String { lines.withLock { $0.joined(separator: "\n") } }

    public init() {}

    public func logger(_ label: String) -> Logger {
        var logger = Logger(label: label) { _ in Handler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            recorder.lines.withLock { $0.append("\(event.level) \(event.message) \(all)") }
        }
    }
}
