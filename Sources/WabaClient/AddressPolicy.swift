import Dispatch
import Synchronization
import WabaMedia

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Refuses hosts that resolve to private, loopback, link-local and other non-public addresses, so a
/// manifest cannot be used to make this tool probe an internal network. The sandbox uses the same
/// ranges to refuse media URLs the real platform could not fetch.
package enum AddressPolicy {
    package enum Address: CustomStringConvertible, Sendable {
        case v4([UInt8])
        case v6([UInt8])

        var isIPv4: Bool {
            if case .v4 = self { return true }
            return false
        }

        package var description: String {
            switch self {
            case .v4(let bytes): return bytes.map(String.init).joined(separator: ".")
            case .v6(let bytes):
                return stride(from: 0, to: 16, by: 2).map {
                    String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16)
                }
                .joined(separator: ":")
            }
        }
    }

    package static func isPublic(_ address: Address) -> Bool {
        switch address {
        case .v4(let b):
            switch (b[0], b[1]) {
            case (0, _), (10, _), (127, _): return false  // this network, private, loopback
            case (100, 64...127): return false  // carrier-grade NAT
            case (169, 254): return false  // link-local (cloud metadata services live here)
            case (172, 16...31): return false
            case (192, 168): return false
            case (192, 0) where b[2] == 0: return false  // IETF protocol assignments
            case (198, 18...19): return false  // benchmarking
            case (224...255, _): return false  // multicast, reserved, broadcast
            default: return true
            }
        case .v6(let b):
            if b[0..<15].allSatisfy({ $0 == 0 }) { return false }  // :: and ::1
            if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF {
                return isPublic(.v4(Array(b[12..<16])))  // IPv4-mapped
            }
            if b[0..<12].allSatisfy({ $0 == 0 }) { return false }  // IPv4-compatible (deprecated)
            if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B {
                return isPublic(.v4(Array(b[12..<16])))  // NAT64
            }
            if b[0] & 0xFE == 0xFC { return false }  // unique local fc00::/7
            if b[0] == 0xFE && b[1] & 0xC0 == 0x80 { return false }  // link-local fe80::/10
            if b[0] == 0xFE && b[1] & 0xC0 == 0xC0 { return false }  // site-local fec0::/10
            if b[0] == 0xFF { return false }  // multicast
            return true
        }
    }

    /// The address `host` spells out (`127.0.0.1`, `::1`, `[::1]`), or nil for a name. Never resolves.
    package static func literal(_ host: String) -> Address? {
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var v4 = in_addr()
        if inet_pton(AF_INET, name, &v4) == 1 { return .v4(withUnsafeBytes(of: v4) { Array($0) }) }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, name, &v6) == 1 { return .v6(withUnsafeBytes(of: v6) { Array($0) }) }
        return nil
    }

    /// Every address `host` resolves to (an address literal resolves to itself).
    ///
    /// Cancelling the task ends the wait at once with `CancellationError` (the lookup itself cannot be
    /// stopped: it finishes on its thread and its answer is dropped), so a slow resolver cannot hold a
    /// URL check past its deadline.
    package static func resolve(_ host: String) async throws -> [Address] {
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let lookup = Lookup()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                lookup.start(continuation)
                // Dispatch's global queue, not a bounded executor: `getaddrinfo` cannot be stopped, and
                // a resolver that never answers must not hold one of a few threads other work waits for.
                DispatchQueue.global().async {
                    lookup.finish(with: Result { try resolveBlocking(name) })
                }
            }
        } onCancel: {
            lookup.finish(with: .failure(CancellationError()))
        }
    }

    /// One lookup's waiting task, resumed by whichever comes first: the answer or a cancellation.
    private final class Lookup: Sendable {
        private let state = Mutex<
            (waiting: CheckedContinuation<[Address], any Error>?, early: Result<[Address], any Error>?)
        >(
            (nil, nil))

        func start(_ continuation: CheckedContinuation<[Address], any Error>) {
            let early = state.withLock { state -> Result<[Address], any Error>? in
                if let early = state.early { return early }
                state.waiting = continuation
                return nil
            }
            if let early { continuation.resume(with: early) }
        }

        /// The first result resumes the waiting task (or waits for it to start); later ones are dropped.
        func finish(with result: Result<[Address], any Error>) {
            let waiting = state.withLock { state -> CheckedContinuation<[Address], any Error>? in
                guard let waiting = state.waiting else {
                    if state.early == nil { state.early = result }
                    return nil
                }
                state.waiting = nil
                state.early = result
                return waiting
            }
            waiting?.resume(with: result)
        }
    }

    private static func resolveBlocking(_ host: String) throws -> [Address] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let first = list else {
            let reason = String(cString: gai_strerror(status))
            throw WabaMediaError(
                .ioError, "the host \(host) cannot be resolved: \(reason)", hint: "check the URL's host name")
        }
        defer { freeaddrinfo(first) }
        var addresses: [Address] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let socketAddress = info.pointee.ai_addr {
                switch Int32(info.pointee.ai_family) {
                case AF_INET:
                    let address = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                        $0.pointee.sin_addr
                    }
                    addresses.append(.v4(withUnsafeBytes(of: address) { Array($0) }))
                case AF_INET6:
                    let address = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                        $0.pointee.sin6_addr
                    }
                    addresses.append(.v6(withUnsafeBytes(of: address) { Array($0) }))
                default:
                    break
                }
            }
            cursor = info.pointee.ai_next
        }
        return addresses
    }
}
