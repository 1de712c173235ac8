// A hostile server for tests: it answers at once, then sends its body a byte at a time.
public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Listens on 127.0.0.1 and answers every request with its head at once (a `HEAD` gets only that,
/// and the connection closes), then drips the body: `bytesPerTick` bytes every `tick`, as a server
/// that passes every per-read timeout and never finishes. Each connection has a thread of its own
/// and ends when the client closes it, at ``stop()``, or after `lifetime`, whichever comes first.
public final class DripServer: @unchecked Sendable {
    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    private let listener: Int32
    private let head: @Sendable (_ requestHead: String) -> String
    private let body: [UInt8]
    private let tick: TimeInterval
    private let bytesPerTick: Int
    private let end: Date
    private let lock = NSLock()
    private var stopped = false
    private var dripping = 0
    private var requests: [String] = []
    private var firstAccepted: ContinuousClock.Instant?
    private var lastClosedByClient: ContinuousClock.Instant?

    /// How many bodies are being dripped right now (their client has not closed the connection).
    public var activeDrips: Int {
        lock.lock()
        defer { lock.unlock() }
        return dripping
    }

    /// The request line of every request so far (`GET /a.jpg HTTP/1.1`).
    public var requestLines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return requests
    }

    /// How long the client's exchange lasted as this server saw it: from the first connection it
    /// accepted to the last drip the client closed. Measured on the server's own threads, so a busy
    /// test process cannot stretch it; nil until a client has closed a drip.
    public var exchangeDuration: Duration? {
        lock.lock()
        defer { lock.unlock() }
        guard let firstAccepted, let lastClosedByClient else { return nil }
        return lastClosedByClient - firstAccepted
    }

    /// - Parameters:
    ///   - head: the response's status line and headers for a request's head (without the blank line).
    ///   - body: what is dripped after the head.
    public init(
        body: [UInt8], tick: TimeInterval = 1, bytesPerTick: Int = 1, lifetime: TimeInterval = 30,
        head: @escaping @Sendable (_ requestHead: String) -> String
    ) throws {
        self.head = head
        self.body = body
        self.tick = tick
        self.bytesPerTick = bytesPerTick
        self.end = Date().addingTimeInterval(lifetime)
        (listener, port) = try LoopbackSocket.listening(backlog: 64)
        Thread { [self] in acceptLoop() }.start()
    }

    /// Answers like an image server whose image never finishes arriving: 200 with a `Content-Length`
    /// of `body.count`, an image type and caching headers.
    public convenience init(
        imageBytes: Int = 100_000, tick: TimeInterval = 1, bytesPerTick: Int = 1, lifetime: TimeInterval = 30
    ) throws {
        var body: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0]
        body += [UInt8](repeating: 0, count: max(0, imageBytes - body.count))
        let length = body.count
        try self.init(body: body, tick: tick, bytesPerTick: bytesPerTick, lifetime: lifetime) { _ in
            "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: \(length)\r\nCache-Control: public, max-age=60\r\nConnection: close"
        }
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped || Date() >= end
    }

    private func acceptLoop() {
        while !isStopped {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            lock.lock()
            if firstAccepted == nil { firstAccepted = .now }
            lock.unlock()
            Thread { [self] in serve(connection) }.start()
        }
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        guard let requestHead = LoopbackSocket.readHead(connection) else { return }
        let requestLine = String(requestHead.prefix { $0 != "\r" })
        lock.lock()
        requests.append(requestLine)
        lock.unlock()
        guard send(Array((head(requestHead) + "\r\n\r\n").utf8), on: connection),
            !requestLine.hasPrefix("HEAD ")
        else { return }
        lock.lock()
        dripping += 1
        lock.unlock()
        defer {
            lock.lock()
            dripping -= 1
            lock.unlock()
        }
        var sent = 0
        var nextDrip = Date()
        while sent < body.count, !isStopped {
            // Between drips, watch for the client closing: then the drip ends at once.
            var poller = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 50) > 0 {
                var scratch = [UInt8](repeating: 0, count: 4096)
                let count = scratch.withUnsafeMutableBytes { read(connection, $0.baseAddress, $0.count) }
                if count <= 0 {
                    lock.lock()
                    lastClosedByClient = .now
                    lock.unlock()
                    return
                }
            }
            guard Date() >= nextDrip else { continue }
            let part = Array(body[sent..<min(body.count, sent + bytesPerTick)])
            guard send(part, on: connection) else { return }
            sent += part.count
            nextDrip = Date().addingTimeInterval(tick)
        }
    }

    /// Writes all of `bytes`; false when the client is gone (no SIGPIPE: the write just fails).
    private func send(_ bytes: [UInt8], on connection: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            #if canImport(Glibc)
                let count = bytes[offset...].withUnsafeBytes {
                    Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
            #else
                let count = bytes[offset...].withUnsafeBytes { Darwin.send(connection, $0.baseAddress, $0.count, 0) }
            #endif
            guard count > 0 else { return false }
            offset += count
        }
        return true
    }

    /// Stops accepting and ends every drip.
    public func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
    }

    deinit { close(listener) }
}
