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

    /// The first bytes, enough to recognise a BMP header.
    private func prefix(_ count: Int) throws -> [UInt8] {
        switch self {
        case .file(let path): try FileSource(path: path).prefix(count)
        case .bytes(let bytes, _): Array(bytes.buffer.prefix(count))
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

    /// BMP is read here rather than by libvips, whose only BMP loader (ImageMagick) is blocked as untrusted.
    private var isBMP: Bool { (try? BMPImage.isBMP(prefix(2))) ?? false }

    func header() throws -> ImageInfo {
        if isBMP {
            let header = try BMPImage.header(try prefix(BMPImage.headerLength), name: name)
            return ImageInfo(
                width: header.width, height: header.height, bands: header.hasAlpha ? 4 : 3, bitsPerSample: 8,
                colourSpace: "srgb", orientation: 1, hasAlpha: header.hasAlpha, hasICCProfile: false,
                hasEXIF: false, hasXMP: false, pages: 1, loader: "bmpload")
        }
        switch self {
        case .file(let path): return try ImageInfo(path: path)
        case .bytes(let bytes, _): return try ImageInfo(bytes: Array(bytes.buffer))
        }
    }

    /// Proves the data decodes, for inputs kept byte for byte.
    func verify() throws {
        switch self {
        case .file(let path):
            if let damage = try ImageInfo.damage(inFileAt: path) {
                throw WabaMediaError(
                    .unsupportedInput, "\(path): the image data is damaged or truncated and cannot be decoded (\(damage))",
                    hint: "export or download the image again from its original")
            }
        case .bytes:
            do {
                _ = try thumbnail(longEdge: 64, exportSRGB: false).copyToMemory()
            } catch let failure as VipsFailure {
                throw WabaMediaError(
                    .unsupportedInput, "\(name): the image data is damaged or truncated and cannot be decoded (\(failure.reason))",
                    hint: "export or download the image again from its original")
            }
        }
    }

    /// Opens the image shrunk to fit `longEdge`, upright. See `wm_vips_thumbnail_file`.
    func thumbnail(longEdge: Int, exportSRGB: Bool) throws -> VipsImage {
        if isBMP {
            let bitmap = try BMPImage.decode(try allBytes(), name: name)
            return try VipsImage.fromPixels(bitmap.pixels, width: bitmap.width, height: bitmap.height, bands: bitmap.bands)
                .thumbnail(longEdge: longEdge)
        }
        switch self {
        case .file(let path):
            return try VipsImage.thumbnail(path: path, longEdge: longEdge, exportSRGB: exportSRGB)
        case .bytes(let bytes, _):
            return try VipsImage.thumbnail(buffer: UnsafeRawBufferPointer(bytes.buffer), longEdge: longEdge, exportSRGB: exportSRGB)
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
