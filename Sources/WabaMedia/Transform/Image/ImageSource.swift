internal import CVipsShim
import Foundation

/// Where the fitter reads an image from.
enum ImageSource {
    case file(String)
    case bytes(SharedBytes, name: String)

    static func bytes(_ bytes: [UInt8], name: String) -> Self { .bytes(SharedBytes(bytes), name: name) }

    var name: String {
        switch self {
        case .file(let path): path
        case .bytes(_, let name): name
        }
    }

    var size: Int {
        switch self {
        case .file(let path): (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        case .bytes(let bytes, _): bytes.count
        }
    }

    func allBytes() throws -> [UInt8] {
        switch self {
        case .file(let path):
            let source = try FileSource(path: path)
            return try source.read(at: 0, count: source.size)
        case .bytes(let bytes, _): return Array(bytes.buffer)
        }
    }

    /// Detects the content's type, for callers that did not.
    func detectMIME() throws -> String {
        let detector = try MIMEDetector()
        switch self {
        case .file(let path): return try detector.detect(path: path).mime
        case .bytes(let bytes, let name): return try detector.detect(bytes: Array(bytes.buffer), fileName: name).mime
        }
    }

    func header(mime: String) throws -> ImageInfo {
        switch self {
        case .file(let path):
            return try ImageInfo(path: path, mime: mime).completed(from: FileSource(path: path), mime: mime)
        case .bytes(let bytes, _):
            let copy = Array(bytes.buffer)
            return try ImageInfo(bytes: copy, mime: mime).completed(from: MemorySource(copy), mime: mime)
        }
    }

    /// Proves the data decodes, for inputs kept byte for byte.
    func verify(mime: String) throws {
        do {
            _ = try thumbnail(mime: mime, longEdge: 64, exportSRGB: false).copyToMemory()
        } catch let failure as VipsFailure {
            throw WabaMediaError(
                .unsupportedInput,
                "\(name): the image data is damaged or truncated and cannot be decoded (\(failure.reason))",
                hint: "export or download the image again from its original")
        }
    }

    /// Opens the image shrunk to fit `longEdge`, upright, with the loader its type requires.
    /// See `wm_vips_thumbnail_file`.
    func thumbnail(mime: String, longEdge: Int, exportSRGB: Bool) throws -> VipsImage {
        let loader = try ImageInfo.loader(for: mime)
        switch self {
        case .file(let path):
            return try VipsImage.thumbnail(path: path, loader: loader, longEdge: longEdge, exportSRGB: exportSRGB)
        case .bytes(let bytes, _):
            return try VipsImage.thumbnail(
                buffer: UnsafeRawBufferPointer(bytes.buffer), loader: loader, longEdge: longEdge, exportSRGB: exportSRGB
            )
        }
    }
}

/// Bytes at a stable address for as long as the run holds them: libvips reads buffers lazily.
final class SharedBytes: @unchecked Sendable {
    let buffer: UnsafeMutableRawBufferPointer
    var count: Int { buffer.count }

    init(_ bytes: [UInt8]) {
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, bytes.count), alignment: 16)
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
    }

    deinit { buffer.deallocate() }
}

/// A file next to the output that becomes the output only when complete.
final class TemporaryFile {
    let path: String
    private var committed = false

    init(near target: String) throws {
        let url = URL(fileURLWithPath: target)
        let directory = url.deletingLastPathComponent().path
        path = "\(directory)/.\(url.lastPathComponent).\(getpid())-\(UInt32.random(in: 0...UInt32.max)).part"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw WabaMediaError(
                .ioError, "cannot create a file in \(directory): \(String(cString: strerror(errno)))",
                hint: "check that the folder exists and is writable")
        }
        close(descriptor)
    }

    deinit {
        if !committed { unlink(path) }
    }

    func write(_ bytes: [UInt8]) throws {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        } catch {
            throw WabaMediaError(.ioError, "cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// Runs `body` with the file open for writing from its start.
    func withDescriptor<T>(_ body: (Int32) throws -> T) throws -> T {
        let descriptor = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw WabaMediaError(.ioError, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        return try body(descriptor)
    }

    func size() throws -> Int {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw WabaMediaError(.ioError, "cannot read the size of \(path): \(String(cString: strerror(errno)))")
        }
        return Int(status.st_size)
    }

    func commit(to target: String) throws {
        guard rename(path, target) == 0 else {
            throw WabaMediaError(.ioError, "cannot move the output to \(target): \(String(cString: strerror(errno)))")
        }
        committed = true
    }
}
