import AsyncHTTPClient
import Foundation
public import Logging
import NIOCore
import NIOHTTP1
import Synchronization
public import WabaMedia

/// Checks a remote asset the way the platform will fetch it, without downloading it: a `HEAD`, then a
/// ranged `GET` of its first bytes (and, for ZIP-based documents, of its last 64 KiB), which are
/// inspected and validated like a local file's.
///
/// Each URL's check is bounded as a whole: ``Options/timeout`` covers every request it makes, from
/// connecting to the last byte read, and a body must keep ``Options/minimumRate``.
public final class RemoteAssetChecker: RemoteAssetChecking {
    public struct Options: Sendable, Hashable {
        /// How long the check of one URL may take in all: every request (`HEAD`, the ranged `GET`s,
        /// redirects), from connecting to the last byte read.
        public var timeout: Duration
        /// The slowest a body may arrive; nil for no floor but ``timeout``.
        public var minimumRate: TransferRate?
        /// Redirects followed before giving up.
        public var maxRedirects: Int
        /// How many bytes from the start are fetched: enough for libmagic and image and video headers.
        public var prefixBytes: Int
        /// Accept hosts on private, loopback and link-local addresses (local test servers).
        public var allowPrivateAddresses: Bool
        /// Plain `http` is a warning instead of a rejection (local test servers).
        public var allowHTTP: Bool
        /// Connections to one host at once.
        public var connectionsPerHost: Int

        public init(
            timeout: Duration = .seconds(10), maxRedirects: Int = 5, prefixBytes: Int = 256 * 1024,
            allowPrivateAddresses: Bool = false, allowHTTP: Bool = false, connectionsPerHost: Int = 16,
            minimumRate: TransferRate? = .assetCheck
        ) {
            self.timeout = timeout
            self.minimumRate = minimumRate
            self.maxRedirects = maxRedirects
            self.prefixBytes = prefixBytes
            self.allowPrivateAddresses = allowPrivateAddresses
            self.allowHTTP = allowHTTP
            self.connectionsPerHost = connectionsPerHost
        }
    }

    /// The bytes a ZIP's central directory is looked for in, at the end of the file.
    static let zipTailBytes = 65_535 + 22

    public let options: Options
    private let checker: MediaChecker
    /// Where what was fetched is inspected (libmagic, libvips): off Swift's cooperative pool, which
    /// the requests of the other checks need meanwhile.
    private let executor: BlockingExecutor
    private let configuration: HTTPClient.Configuration
    /// For address literals, and for every host when private addresses are allowed.
    private let client: HTTPClient
    /// One client per host name, connecting to the address that was checked: the name is resolved
    /// once, so it cannot answer a public address to the check and a private one to the connection
    /// (DNS rebinding).
    private let pinnedClients = Mutex<[String: (address: String, client: HTTPClient)]>([:])
    private let isAllowedAddress: @Sendable (AddressPolicy.Address) -> Bool
    private let logger: Logger?

    /// - Parameters:
    ///   - checker: inspects and validates the fetched bytes (its profile gives the size limits).
    ///   - executor: where the inspection runs.
    ///   - logger: for request-level debugging; nothing is logged when nil.
    /// Call ``shutdown()`` when done.
    public convenience init(
        checker: MediaChecker, executor: BlockingExecutor, options: Options = Options(), logger: Logger? = nil
    ) {
        self.init(
            checker: checker, executor: executor, options: options, logger: logger,
            isAllowedAddress: AddressPolicy.isPublic)
    }

    /// - Parameter isAllowedAddress: which resolved addresses may be connected to when private ones are not allowed.
    init(
        checker: MediaChecker, executor: BlockingExecutor, options: Options, logger: Logger?,
        isAllowedAddress: @escaping @Sendable (AddressPolicy.Address) -> Bool
    ) {
        self.checker = checker
        self.executor = executor
        self.options = options
        self.logger = logger
        self.isAllowedAddress = isAllowedAddress
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(
                connect: .nanoseconds(options.timeout.nanoseconds), read: .nanoseconds(options.timeout.nanoseconds)),
            decompression: .disabled)
        configuration.connectionPool = .init(
            idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: options.connectionsPerHost)
        self.configuration = configuration
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Closes the connections.
    public func shutdown() async throws {
        let pinned = pinnedClients.withLock { clients in
            defer { clients.removeAll() }
            return clients.values.map(\.client)
        }
        for pinnedClient in pinned { try await pinnedClient.shutdown() }
        try await client.shutdown()
    }

    /// A problem that ends the check of a URL before its content could be looked at.
    private struct Stop: Error {
        var finding: Finding
    }

    /// Which of the check and its watch ended first.
    private enum Race: Sendable {
        case checked(RemoteCheck)
        case expired(TransferWatch.Expiry?)
    }

    public func check(url: String, asset: BatchAsset) async -> RemoteCheck {
        let watch = TransferWatch(deadline: .now + options.timeout, minimumRate: options.minimumRate)
        // The client's own timeouts are per read: a server sending a byte a second never trips them.
        // The watch bounds the whole check instead, and cancelling the check's task cancels its
        // request, body reads included.
        return await withTaskGroup(of: Race.self) { group in
            group.addTask { .checked(await self.check(url: url, asset: asset, watch: watch)) }
            group.addTask { .expired(await watch.expiry()) }
            var stop: TransferWatch.Expiry?
            while let outcome = await group.next() {
                switch outcome {
                case .checked(let check):
                    group.cancelAll()
                    guard let stop else { return check }
                    // What was fetched before the stop is kept; what the cancelled check concluded is not.
                    let early = (try? Self.parse(url)).map { $0.isHTTPS ? [] : [notHTTPS(url)] } ?? []
                    return stopped(
                        url, asset: asset, fetch: check.fetch,
                        findings: early + [expired(stop, url: check.fetch.finalURL)])
                case .expired(let expiry?):
                    stop = expiry
                    group.cancelAll()
                case .expired(nil):
                    continue
                }
            }
            preconditionFailure("the check's task always answers")
        }
    }

    private func check(url: String, asset: BatchAsset, watch: TransferWatch) async -> RemoteCheck {
        var fetch = RemoteFetch(url: url, finalURL: url)
        var findings: [Finding] = []
        do {
            let parsed = try Self.parse(url)
            if !parsed.isHTTPS { findings.append(notHTTPS(url)) }
            let content = try await fetchContent(url, fetch: &fetch, watch: watch)
            findings += headerFindings(fetch: fetch)
            if fetch.finalURL != url, parsed.isHTTPS, fetch.finalURL.lowercased().hasPrefix("http://") {
                findings.append(notHTTPS(fetch.finalURL))
            }
            let fetchedSize = fetch.contentLength ?? content.prefix.count
            let (checker, executor, prefix) = (self.checker, self.executor, content.prefix)
            var inspection = try await watch.excluding {
                try await executor.run {
                    try checker.inspector.inspect(MemorySource(prefix, totalSize: fetchedSize), name: url)
                }
            }
            if inspection.mime == .zip || inspection.detection.libmagicMIME.isCompoundFileVariant,
                let total = fetch.contentLength, total > content.prefix.count
            {
                // Office documents are told apart by their central directory, at the end.
                let tail = try await fetchRange(
                    fetch.finalURL, from: max(content.prefix.count, total - Self.zipTailBytes), to: total - 1,
                    fetch: &fetch, watch: watch)
                let start = max(content.prefix.count, total - Self.zipTailBytes)
                let name = asset.fileName ?? url
                inspection.detection = try await watch.excluding {
                    try await executor.run {
                        if start == prefix.count && tail.count == total - start {
                            return try checker.inspector.detector.detect(MemorySource(prefix + tail), fileName: name)
                        }
                        let source = SplitSource(head: prefix, tail: tail, size: total)
                        return try checker.inspector.detector.detect(source, fileName: name)
                    }
                }
            }
            let inspected = inspection
            // Pure Swift, no native work: it runs here, and awaits ffmpeg's encoder list only for audio and video.
            var report = await watch.excluding {
                await BatchChecker.validate(inspected, asset: asset, checker: checker)
            }
            findings += contentTypeFindings(declared: fetch.contentType, report: report)
            let limit = checker.profile.maxBytes(for: report.mediaType)
            if let total = fetch.contentLength, total > limit {
                findings.append(
                    Finding(
                        .urlTooLarge, .rejected,
                        message:
                            "the server says it is \(total) bytes, over the \(limit)-byte limit for \(report.mediaType)",
                        hint: "host a smaller version (wamedia prepare makes one), or send the file itself"))
            }
            // Over the limit is fixable for a local image, not for a URL the platform fetches as it is.
            report = report.removing(.tooLarge).adding(contentsOf: findings, first: true)
            return RemoteCheck(report: report, fetch: fetch)
        } catch let stop as Stop {
            return stopped(url, asset: asset, fetch: fetch, findings: findings + [stop.finding])
        } catch {
            return stopped(url, asset: asset, fetch: fetch, findings: findings + [describe(error, url: fetch.finalURL)])
        }
    }

    /// The URL taken apart, or the finding that says why it cannot be fetched. Foundation's `URL`
    /// alone is not enough: it accepts ports over 65535, on which the HTTP client traps.
    static func parse(_ url: String) throws -> HTTPURL {
        do {
            let parsed = try HTTPURL(url)
            guard URL(string: url) != nil else { throw HTTPURL.Problem.controlCharacters }
            return parsed
        } catch let problem as HTTPURL.Problem {
            throw Stop(
                finding: Finding(
                    .urlInvalid, .rejected, message: "'\(url)' is not a valid http(s) URL: \(problem)",
                    hint: problem.hint))
        }
    }

    private func stopped(_ url: String, asset: BatchAsset, fetch: RemoteFetch, findings: [Finding]) -> RemoteCheck {
        let inspection = Inspection(file: url, size: fetch.contentLength ?? 0, detection: .unknown)
        let report = ValidationReport(
            inspection: inspection, mediaType: asset.mediaType ?? .document, findings: findings,
            effectiveMIME: inspection.mime)
        return RemoteCheck(report: report, fetch: fetch)
    }

    private func notHTTPS(_ url: String) -> Finding {
        Finding(
            .urlNotHTTPS, options.allowHTTP ? .warning : .rejected,
            message: "\(url) is plain http; the platform fetches public https URLs only",
            hint: "serve it over https")
    }

    // MARK: - Fetching

    private struct Content {
        var prefix: [UInt8]
    }

    /// HEAD for the headers, then a ranged GET for the first bytes, following redirects on both.
    private func fetchContent(_ url: String, fetch: inout RemoteFetch, watch: TransferWatch) async throws -> Content {
        var visited: Set<String> = [url]
        var headHeaders: HTTPHeaders?
        let head = try await send(.HEAD, url, range: nil, fetch: &fetch, visited: &visited, watch: watch)
        if (200..<300).contains(head.status.code) {
            headHeaders = head.headers
        }
        await discard(head, watch: watch)

        let range = "bytes=0-\(options.prefixBytes - 1)"
        let response = try await send(
            .GET, fetch.finalURL, range: range, fetch: &fetch, visited: &visited, watch: watch)
        let status = Int(response.status.code)
        fetch.status = status
        let headers = response.headers
        fetch.contentType = headers.first(name: "content-type") ?? headHeaders?.first(name: "content-type")
        fetch.cacheControl = headers.first(name: "cache-control") ?? headHeaders?.first(name: "cache-control")
        fetch.etag = headers.first(name: "etag") ?? headHeaders?.first(name: "etag")
        fetch.lastModified = headers.first(name: "last-modified") ?? headHeaders?.first(name: "last-modified")

        switch status {
        case 206:
            fetch.contentLength =
                Self.totalFromContentRange(headers.first(name: "content-range"))
                ?? headHeaders.flatMap { Self.length($0) }
        case 200:
            fetch.contentLength = Self.length(headers) ?? headHeaders.flatMap { Self.length($0) }
        case 416:
            // Nothing in the range: the content is empty.
            fetch.contentLength = Self.totalFromContentRange(headers.first(name: "content-range")) ?? 0
            await discard(response, watch: watch)
            return Content(prefix: [])
        default:
            await discard(response, watch: watch)
            let reason = response.status.reasonPhrase
            throw Stop(
                finding: Finding(
                    .urlStatus, .rejected,
                    message: "\(fetch.finalURL) answered \(status) \(reason)",
                    hint: status == 401 || status == 403
                        ? "the platform fetches without credentials: make the URL public (or sign it for long enough)"
                        : "check that the URL is right and the file is published"))
        }
        let prefix = try await readBody(response, limit: options.prefixBytes, fetch: &fetch, watch: watch)
        return Content(prefix: prefix)
    }

    /// Bytes `from...to` of the content at `url` (a second range, for ZIP directories).
    private func fetchRange(_ url: String, from: Int, to: Int, fetch: inout RemoteFetch, watch: TransferWatch)
        async throws -> [UInt8]
    {
        var visited: Set<String> = [url]
        var scratch = fetch
        let response = try await send(
            .GET, url, range: "bytes=\(from)-\(to)", fetch: &scratch, visited: &visited, watch: watch)
        guard response.status.code == 206 else {
            await discard(response, watch: watch)
            return []
        }
        let bytes = try await readBody(response, limit: to - from + 1, fetch: &fetch, watch: watch)
        return bytes
    }

    /// Sends one request, following redirects itself so each hop's address is checked and loops are caught.
    private func send(
        _ method: HTTPMethod, _ url: String, range: String?, fetch: inout RemoteFetch, visited: inout Set<String>,
        watch: TransferWatch
    ) async throws -> HTTPClientResponse {
        var current = url
        while true {
            let client = try await client(for: current)
            var request = HTTPClientRequest(url: current)
            request.method = method
            request.headers.add(name: "User-Agent", value: "wamedia-check/0.1")
            request.headers.add(name: "Accept-Encoding", value: "identity")
            if let range { request.headers.add(name: "Range", value: range) }
            // The check's deadline, not a fresh timeout per request: redirects and the second range share it.
            let response = try await client.execute(
                request, deadline: .now() + .nanoseconds((watch.deadline - .now).nanoseconds), logger: logger)
            guard [301, 302, 303, 307, 308].contains(response.status.code),
                let location = response.headers.first(name: "location")
            else {
                fetch.finalURL = current
                return response
            }
            await discard(response, watch: watch)
            // A hostile Location (`https://host:99999/`) is refused here, before any client sees it.
            guard let next = URL(string: location, relativeTo: URL(string: current))?.absoluteURL.absoluteString,
                AssetLocation.isURL(next), HTTPURL.isValid(next)
            else {
                throw Stop(
                    finding: Finding(
                        .urlRedirects, .rejected,
                        message: "\(current) redirects to '\(location)', which is not a valid http(s) URL",
                        hint: "fix the redirect on the server, or give the final URL"))
            }
            guard visited.insert(next).inserted else {
                throw Stop(
                    finding: Finding(
                        .urlRedirects, .rejected,
                        message:
                            "the URL redirects in a loop: \(([url] + fetch.redirects + [next]).joined(separator: " → "))",
                        hint: "fix the redirects on the server"))
            }
            fetch.redirects.append(next)
            guard fetch.redirects.count <= options.maxRedirects else {
                throw Stop(
                    finding: Finding(
                        .urlRedirects, .rejected,
                        message: "the URL redirects more than \(options.maxRedirects) times",
                        hint: "give the final URL instead of one that redirects"))
            }
            current = next
        }
    }

    /// The client to fetch `url` with: one that connects only to an address the policy allows.
    private func client(for url: String) async throws -> HTTPClient {
        guard !options.allowPrivateAddresses, let host = URL(string: url)?.host, !host.isEmpty else { return client }
        if let pinned = pinnedClients.withLock({ $0[host]?.client }) { return pinned }
        let addresses: [AddressPolicy.Address]
        do {
            addresses = try await AddressPolicy.resolve(host)
        } catch let error as WabaMediaError {
            throw Stop(finding: Finding(.urlUnreachable, .rejected, message: error.message, hint: error.hint ?? ""))
        }
        if let address = addresses.first(where: { !isAllowedAddress($0) }) {
            throw Stop(
                finding: Finding(
                    .urlPrivateAddress, .rejected,
                    message: "\(host) resolves to \(address), a private, loopback or link-local address",
                    hint: "the platform fetches from the public internet: use a public https URL"))
        }
        // IPv4 first: a single pinned address leaves no fallback, and IPv4 is what hosts reach most surely.
        guard let address = addresses.first(where: \.isIPv4) ?? addresses.first else {
            throw Stop(
                finding: Finding(
                    .urlUnreachable, .rejected, message: "the host \(host) resolves to no address",
                    hint: "check the URL's host name"))
        }
        if address.description == host { return client }
        return pinnedClients.withLock { clients in
            if let pinned = clients[host] { return pinned.client }
            var configuration = self.configuration
            configuration.dnsOverride = [host: address.description]
            let pinned = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[host] = (address.description, pinned)
            return pinned
        }
    }

    /// Host name → the address its connections go to, for the hosts fetched from so far.
    var pinnedAddresses: [String: String] {
        pinnedClients.withLock { $0.mapValues(\.address) }
    }

    /// Reads an unwanted body (HEAD, redirect, error page) to its end, so the connection can be reused;
    /// past 64 KiB it stops, and the connection is closed instead.
    /// Such a body is held to the same minimum rate as any other.
    private func discard(_ response: HTTPClientResponse, watch: TransferWatch) async {
        var seen = 0
        watch.bodyStarted()
        defer { watch.bodyEnded() }
        do {
            for try await buffer in response.body {
                watch.received(buffer.readableBytes)
                seen += buffer.readableBytes
                if seen > 64 * 1024 { break }
            }
        } catch {
            // The answer was already taken from the status and headers.
        }
    }

    private func readBody(_ response: HTTPClientResponse, limit: Int, fetch: inout RemoteFetch, watch: TransferWatch)
        async throws -> [UInt8]
    {
        var bytes: [UInt8] = []
        guard limit > 0 else { return [] }
        watch.bodyStarted()
        defer { watch.bodyEnded() }
        for try await buffer in response.body {
            watch.received(buffer.readableBytes)
            fetch.bytesFetched += buffer.readableBytes
            bytes += buffer.readableBytesView.prefix(limit - bytes.count)
            if bytes.count >= limit { break }
        }
        return bytes
    }

    private static func length(_ headers: HTTPHeaders) -> Int? {
        headers.first(name: "content-length").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// The total in `bytes 0-99/1234` (nil for `*`).
    static func totalFromContentRange(_ value: String?) -> Int? {
        guard let value, let slash = value.lastIndex(of: "/") else { return nil }
        return Int(value[value.index(after: slash)...].trimmingCharacters(in: .whitespaces))
    }

    // MARK: - Findings

    private func headerFindings(fetch: RemoteFetch) -> [Finding] {
        var findings: [Finding] = []
        if !fetch.redirects.isEmpty {
            findings.append(
                Finding(
                    .urlRedirects, .warning,
                    message:
                        "the URL redirects \(fetch.redirects.count) time\(fetch.redirects.count == 1 ? "" : "s"), to \(fetch.finalURL)",
                    hint: "give the final URL to save the platform a round trip"))
        }
        if fetch.contentLength == nil {
            findings.append(
                Finding(
                    .urlUnknownLength, .warning,
                    message: "the server gives no Content-Length, so the size limit cannot be checked",
                    hint: "serve it with a Content-Length; the platform may refuse content of unknown size"))
        }
        let cacheControl = fetch.cacheControl?.lowercased()
        if cacheControl == nil && fetch.etag == nil && fetch.lastModified == nil {
            findings.append(
                Finding(
                    .urlNotCacheable, .warning,
                    message:
                        "the response has no Cache-Control, ETag or Last-Modified header, so Meta will not cache it",
                    hint: "serve it with Cache-Control (e.g. public, max-age=86400) or an ETag"))
        } else if let cacheControl, cacheControl.contains("no-store") {
            findings.append(
                Finding(
                    .urlNotCacheable, .warning, message: "the response says Cache-Control: \(cacheControl)",
                    hint: "allow caching (e.g. public, max-age=86400) so Meta does not fetch it for every message"))
        }
        return findings
    }

    private func contentTypeFindings(declared: String?, report: ValidationReport) -> [Finding] {
        let sniffed = report.inspection.mime
        guard let declared, !declared.trimmingCharacters(in: .whitespaces).isEmpty else {
            return [
                Finding(
                    .urlContentType, .rejected, message: "the server sends no Content-Type",
                    hint: "serve it as \(sniffed)")
            ]
        }
        let type = MIMEType(canonicalising: declared)
        if type == sniffed || checker.validator.effectiveMIME(of: type, as: report.mediaType) == report.effectiveMIME {
            return []
        }
        if type == .html || type == .xhtml {
            return [
                Finding(
                    .urlContentType, .rejected,
                    message: "the server answers with an HTML page (Content-Type: \(declared)), not \(sniffed)",
                    hint: "the URL probably leads to an error or sign-in page: give the file's direct URL")
            ]
        }
        if type == .octetStream || type == .binaryOctetStream {
            return [
                Finding(
                    .urlContentType, .rejected,
                    message: "the server says Content-Type: \(declared), a generic type the platform refuses",
                    hint: "serve it as \(sniffed) (set the object's content type on the storage)")
            ]
        }
        return [
            Finding(
                .urlContentType, .rejected,
                message: "the server says Content-Type: \(declared) but the content is \(sniffed)",
                hint: "serve it with Content-Type: \(sniffed)")
        ]
    }

    /// The finding for a check the watch stopped.
    private func expired(_ expiry: TransferWatch.Expiry, url: String) -> Finding {
        switch expiry {
        case .deadline:
            return Finding(
                .urlTimeout, .rejected,
                message:
                    "\(url) was not checked within \(options.timeout.secondsText(roundedToMilliseconds: true)) (the timeout bounds the whole check: connecting, every answer and the bytes read)",
                hint: "check that the server is up and fast enough; the platform gives up on slow servers too")
        case .tooSlow(let bytes):
            let rate = options.minimumRate ?? .assetCheck
            return Finding(
                .urlTimeout, .rejected,
                message:
                    "\(url) sends too slowly: \(bytes) bytes in the last \(rate.window.secondsText(roundedToMilliseconds: true)), under the \(rate.bytes) a check needs in every \(rate.window.secondsText(roundedToMilliseconds: true))",
                hint:
                    "serve it from a faster host (object storage or a CDN); the platform gives up on slow servers too")
        }
    }

    private func describe(_ error: any Error, url: String) -> Finding {
        if let error = error as? HTTPClientError {
            if [.deadlineExceeded, .readTimeout, .connectTimeout].contains(error) {
                return expired(.deadline, url: url)
            }
            return Finding(
                .urlUnreachable, .rejected, message: "\(url) cannot be fetched: \(error)",
                hint: "check that the server is up and reachable from the internet")
        }
        if let error = error as? WabaMediaError {
            return Finding(.unreadable, .rejected, message: error.message, hint: error.hint ?? "")
        }
        let text = "\(error)"
        if text.lowercased().contains("timeout") || text.lowercased().contains("timed out") {
            return Finding(
                .urlTimeout, .rejected, message: "\(url) did not answer in time: \(text)",
                hint: "check that the server is up and fast enough")
        }
        return Finding(
            .urlUnreachable, .rejected, message: "\(url) cannot be fetched: \(text)",
            hint: "check that the server is up and reachable from the internet")
    }
}

/// The start and the end of a remote file, for detectors that look at both.
struct SplitSource: ByteSource {
    let head: [UInt8]
    let tail: [UInt8]
    let size: Int

    var availableCount: Int { head.count }

    func read(at offset: Int, count: Int) throws -> [UInt8] {
        let end = Swift.min(offset + count, size)
        guard end > offset else { return [] }
        if end <= head.count { return Array(head[offset..<end]) }
        let tailStart = size - tail.count
        if offset >= tailStart { return Array(tail[(offset - tailStart)..<(end - tailStart)]) }
        throw WabaMediaError(
            .incompleteData, "bytes \(offset)..<\(end) are needed but only the start and the end were fetched")
    }
}
