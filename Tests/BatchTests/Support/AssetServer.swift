import Foundation
import Hummingbird
import TestSupport

/// A web server on loopback that serves media the way real hosts do, well and badly:
/// ranged GETs, HEAD, redirects and loops, wrong types, error pages, huge and slow answers.
final class AssetServer: Sendable {
    let port: Int
    private let task: Task<Void, any Error>
    /// Where the server's tasks run: held for as long as the server is.
    private let executor: DedicatedExecutor

    var base: String { "http://127.0.0.1:\(port)" }

    func url(_ path: String) -> String { base + path }

    private init(port: Int, task: Task<Void, any Error>, executor: DedicatedExecutor) {
        self.port = port
        self.task = task
        self.executor = executor
    }

    func stop() { task.cancel() }

    static func start() async throws -> AssetServer {
        let photo = try [UInt8](Data(contentsOf: sample("photo.jpg")))
        let logo = try [UInt8](Data(contentsOf: sample("logo.png")))
        let pdf = try [UInt8](Data(contentsOf: sample("invoice.pdf")))
        let docx = try [UInt8](Data(contentsOf: sample("report.docx")))

        let router = Router()
        let cached: HTTPFields = [.cacheControl: "public, max-age=86400", .eTag: "\"v1\""]

        func both(_ path: RouterPath, _ handler: @escaping @Sendable (Request) async throws -> Response) {
            router.get(path) { request, _ in try await handler(request) }
            router.head(path) { request, _ in try await handler(request) }
        }

        both("/ok/photo.jpg") { serve($0, photo, type: "image/jpeg", cached) }
        both("/ok/logo.png") { serve($0, logo, type: "image/png", [.lastModified: "Mon, 02 Jun 2025 10:00:00 GMT"]) }
        both("/ok/invoice.pdf") { serve($0, pdf, type: "application/pdf; charset=binary", cached) }
        both("/ok/report.docx") {
            serve(
                $0, docx, type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", cached)
        }
        both("/nocache/logo.png") { serve($0, logo, type: "image/png", HTTPFields()) }
        both("/missing.jpg") { _ in Response(status: .notFound, headers: [.contentType: "text/html"]) }
        both("/wrong-type.jpg") { serve($0, photo, type: "image/png", cached) }
        both("/octet.jpg") { serve($0, photo, type: "application/octet-stream", cached) }
        both("/error-page.jpg") {
            serve(
                $0, Array("<!DOCTYPE html><html><body><h1>Sign in</h1></body></html>".utf8), type: "text/html", cached)
        }
        // 20 MB by its headers; only the first bytes exist, and only those are ever asked for.
        both("/huge.jpg") { serve($0, photo, type: "image/jpeg", cached, virtualSize: 20_000_000) }
        // Ignores Range and sends 8 MB: the client must stop reading after the first bytes.
        both("/no-range.jpg") { request in
            let size = 8_000_000
            var headers: HTTPFields = [
                .contentType: "image/jpeg", .contentLength: "\(size)", .cacheControl: "max-age=60",
            ]
            headers[.acceptRanges] = "none"
            if request.method == .head { return Response(status: .ok, headers: headers) }
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody(contentLength: size) { writer in
                    try await writer.write(ByteBuffer(bytes: photo))
                    var sent = photo.count
                    let block = ByteBuffer(repeating: 0, count: 64 * 1024)
                    while sent < size {
                        let count = min(block.readableBytes, size - sent)
                        try await writer.write(block.getSlice(at: 0, length: count)!)
                        sent += count
                    }
                    try await writer.finish(nil)
                })
        }
        both("/loop/a") { _ in redirect("/loop/b") }
        both("/loop/b") { _ in redirect("/loop/a") }
        both("/moved/photo.jpg") { _ in redirect("/ok/photo.jpg") }
        // A hostile Location: a port the HTTP client would trap on.
        both("/bad-port.jpg") { _ in redirect("http://127.0.0.1:99999/ok/photo.jpg") }
        both("/slow.jpg") { request in
            try await Task.sleep(for: .seconds(60))
            return serve(request, photo, type: "image/jpeg", cached)
        }
        router.head("/no-head.pdf") { _, _ in Response(status: .methodNotAllowed) }
        router.get("/no-head.pdf") { request, _ in serve(request, pdf, type: "application/pdf", cached) }

        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) })
        // Off the cooperative pool: the CLI checking these URLs gives each answer only a few seconds.
        let executor = DedicatedExecutor(label: "wamedia.tests.asset-server")
        let task = Task(executorPreference: executor) { try await app.runService() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw FixtureError("the test server did not start") }
        return AssetServer(port: port, task: task, executor: executor)
    }
}

private func redirect(_ location: String) -> Response {
    Response(status: .found, headers: [.location: location])
}

/// Serves `bytes` as a file of `virtualSize` bytes (default: their count), honouring `Range: bytes=a-b`.
private func serve(
    _ request: Request, _ bytes: [UInt8], type: String, _ extra: HTTPFields, virtualSize: Int? = nil
) -> Response {
    let size = virtualSize ?? bytes.count
    var headers: HTTPFields = [.contentType: type, .acceptRanges: "bytes"]
    headers.append(contentsOf: extra)
    var start = 0
    var end = size - 1
    var status = HTTPResponse.Status.ok
    if let range = request.headers[.range], range.hasPrefix("bytes=") {
        let parts = range.dropFirst(6).split(separator: "-", omittingEmptySubsequences: false)
        if parts.count == 2, let first = Int(parts[0]) {
            start = first
            end = min(Int(parts[1]) ?? size - 1, size - 1)
            status = .partialContent
            headers[.contentRange] = "bytes \(start)-\(end)/\(size)"
        }
    }
    // Past the bytes that exist, a virtual file reads as zeros.
    if request.method == .head {
        headers[.contentLength] = "\(size)"
        headers[.contentRange] = nil
        return Response(status: .ok, headers: headers)
    }
    var slice = start < bytes.count ? Array(bytes[start..<min(end + 1, bytes.count)]) : []
    slice += repeatElement(0, count: max(0, end - start + 1 - slice.count))
    headers[.contentLength] = "\(slice.count)"
    return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: slice)))
}
