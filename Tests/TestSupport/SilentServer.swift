// A hostile server for tests: it accepts connections on loopback and never reads from them.
public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Listens on 127.0.0.1, accepts every connection and never reads a byte, as a server that stopped
/// reading an upload does. Its receive buffer is kept small so a client's writes stall early.
/// Connections are held until ``stop()`` or for at most `lifetime`, whichever comes first.
///
/// With `answer`, it instead reads each request's head and writes what `answer` makes of it (a raw
/// HTTP response), then closes: a server that says what no real one should, such as the key.
public final class SilentServer: @unchecked Sendable {
    public let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var accepted: [Int32] = []
    private var acceptedTotal = 0
    private var stopped = false
    /// How many connections were accepted so far.
    public var connectionCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return acceptedTotal
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }
    private let answer: (@Sendable (String) -> String)?

    public init(lifetime: TimeInterval = 60, answer: (@Sendable (String) -> String)? = nil) throws {
        self.answer = answer
        (listener, port) = try LoopbackSocket.listening(backlog: 16, receiveBuffer: 4096)
        let thread = Thread { [self] in acceptLoop(until: Date().addingTimeInterval(lifetime)) }
        thread.start()
    }

    private func acceptLoop(until end: Date) {
        while Date() < end {
            lock.lock()
            let done = stopped
            lock.unlock()
            if done { break }
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            if let answer {
                respond(on: connection, with: answer)
                continue
            }
            lock.lock()
            accepted.append(connection)
            acceptedTotal += 1
            lock.unlock()
        }
        closeAll()
    }

    /// Reads the request's head, writes the answer, closes.
    private func respond(on connection: Int32, with answer: (String) -> String) {
        defer { close(connection) }
        guard let head = LoopbackSocket.readHead(connection) else { return }
        let response = Array(answer(head).utf8)
        _ = response.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
    }

    private func closeAll() {
        lock.lock()
        defer { lock.unlock() }
        stopped = true
        for connection in accepted { close(connection) }
        accepted.removeAll()
    }

    /// Closes every connection and stops accepting.
    public func stop() {
        closeAll()
    }

    deinit { close(listener) }
}
