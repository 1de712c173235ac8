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
        let socketType: Int32
        #if canImport(Glibc)
            socketType = Int32(SOCK_STREAM.rawValue)
        #else
            socketType = SOCK_STREAM
        #endif
        let descriptor = socket(AF_INET, socketType, 0)
        guard descriptor >= 0 else { throw FixtureError("socket: \(String(cString: strerror(errno)))") }
        var small: Int32 = 4096
        setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else {
            close(descriptor)
            throw FixtureError("bind/listen: \(String(cString: strerror(errno)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = descriptor
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

    /// Reads up to the end of the head (at most 64 KiB, 5 s), writes the answer, closes.
    private func respond(on connection: Int32, with answer: (String) -> String) {
        defer { close(connection) }
        var head: [UInt8] = []
        let end = Date().addingTimeInterval(5)
        var block = [UInt8](repeating: 0, count: 4096)
        while Date() < end, head.count < 65_536 {
            var poller = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let count = block.withUnsafeMutableBytes { read(connection, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            head += block[0..<count]
            if head.count >= 4, String(decoding: head, as: UTF8.self).contains("\r\n\r\n") { break }
        }
        let response = Array(answer(String(decoding: head, as: UTF8.self)).utf8)
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
