internal import CVipsShim
import Foundation

/// Where the fitter reads an image from.
enum ImageSource {
    /// An open file; libvips reads it through ``FileSource/reopenablePath``, the same inode.
    case file(FileSource)
    case bytes(SharedBytes, name: String)

    static func bytes(_ bytes: [UInt8], name: String) -> Self { .bytes(SharedBytes(bytes), name: name) }

    var name: String {
        switch self {
        case .file(let source): source.path
        case .bytes(_, let name): name
        }
    }

    var size: Int {
        switch self {
        case .file(let source): source.size
        case .bytes(let bytes, _): bytes.count
        }
    }

    func allBytes() throws -> [UInt8] {
        switch self {
        case .file(let source):
            let bytes = try source.read(at: 0, count: source.size)
            try source.checkUnchanged()
            return bytes
        case .bytes(let bytes, _): return Array(bytes.buffer)
        }
    }

    /// Detects the content's type, for callers that did not.
    func detectMIME() throws -> MIMEType {
        let detector = try MIMEDetector()
        switch self {
        case .file(let source): return try detector.detect(source, fileName: source.path).mime
        case .bytes(let bytes, let name): return try detector.detect(bytes: Array(bytes.buffer), fileName: name).mime
        }
    }

    func header(mime: MIMEType) throws -> ImageInfo {
        switch self {
        case .file(let source):
            return try ImageInfo(path: source.reopenablePath, mime: mime).completed(from: source, mime: mime)
        case .bytes(let bytes, _):
            let copy = Array(bytes.buffer)
            return try ImageInfo(bytes: copy, mime: mime).completed(from: MemorySource(copy), mime: mime)
        }
    }

    /// Why the file's structure is not whole (``ImageStructure``), or nil: what `check` refuses
    /// with its default verification, found the same way before anything decodes it.
    func structuralDamage(mime: MIMEType) throws -> String? {
        switch self {
        case .file(let source): try ImageStructure.verify(source, mime: mime).damage
        case .bytes(let bytes, _): ImageStructure.verify(UnsafeRawBufferPointer(bytes.buffer), mime: mime).damage
        }
    }

    /// Proves the data decodes, for inputs kept byte for byte.
    func verify(mime: MIMEType) throws {
        if let reason = try damage(mime: mime) {
            throw WabaMediaError(
                .unsupportedInput,
                "\(name): the image data is damaged or truncated and cannot be decoded (\(reason))",
                hint: "export or download the image again from its original")
        }
    }

    /// Decodes the image at a reduced size, with the loader its type calls for, to prove its data
    /// is intact: shrink-on-load keeps this cheap while every compressed byte is still read.
    /// - Returns: nil when intact, else libvips' reason.
    func damage(mime: MIMEType) throws -> String? {
        try Vips.start()
        do {
            _ = try thumbnail(mime: mime, longEdge: 64, exportSRGB: false).copyToMemory()
            return nil
        } catch let failure as VipsFailure {
            return failure.reason
        }
    }

    /// Opens the image shrunk to fit `longEdge`, upright, in 8-bit sRGB or grey: through its colour
    /// profile where ``ImageInfo/needsColourManagement`` says so, else (and when lcms cannot use the
    /// profile, which `onUnusableProfile` hears of) by libvips' own conversion.
    func uprightSRGB8(
        mime: MIMEType, info: ImageInfo, longEdge: Int, onUnusableProfile: (VipsFailure) -> Void = { _ in }
    ) throws -> VipsImage {
        let image: VipsImage
        do {
            image = try thumbnail(mime: mime, longEdge: longEdge, exportSRGB: info.needsColourManagement)
        } catch let failure as VipsFailure where info.needsColourManagement {
            onUnusableProfile(failure)
            image = try thumbnail(mime: mime, longEdge: longEdge, exportSRGB: false)
        }
        return try image.toSRGB8()
    }

    /// Opens the image shrunk to fit `longEdge`, upright, with the loader its type requires.
    /// See `wm_vips_thumbnail_file`.
    func thumbnail(mime: MIMEType, longEdge: Int, exportSRGB: Bool) throws -> VipsImage {
        let loader = try ImageInfo.loader(for: mime)
        switch self {
        case .file(let source):
            return try VipsImage.thumbnail(
                path: source.reopenablePath, owner: source, loader: loader, longEdge: longEdge, exportSRGB: exportSRGB)
        case .bytes(let bytes, _):
            return try VipsImage.thumbnail(
                buffer: UnsafeRawBufferPointer(bytes.buffer), owner: bytes, loader: loader, longEdge: longEdge,
                exportSRGB: exportSRGB
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
