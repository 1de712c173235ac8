internal import CVipsShim
import Foundation

/// An owned reference to a libvips image. libvips images are immutable once built, so one handle
/// may be read (encoded) from several threads at once.
final class VipsImage: @unchecked Sendable {
    private let handle: OpaquePointer
    /// What the image reads from, kept for as long as the image or any image made from it lives:
    /// libvips closes an idle file and opens it again by its path when it needs more pixels.
    private let retained: AnyObject?

    private init(_ handle: OpaquePointer, retaining retained: AnyObject?) {
        self.handle = handle
        self.retained = retained
    }

    deinit { wm_vips_image_release(handle) }

    struct Shape: Hashable {
        var width: Int
        var height: Int
        var bands: Int
        var hasAlpha: Bool
        var pixels: Int { width * height }
        var longEdge: Int { max(width, height) }
    }

    var shape: Shape {
        var shape = wm_image_shape()
        wm_vips_image_shape(handle, &shape)
        return Shape(
            width: Int(shape.width), height: Int(shape.height), bands: Int(shape.bands),
            hasAlpha: shape.has_alpha != 0)
    }

    /// Runs a shim call that produces an image, turning failure into a thrown error with libvips' reason.
    private static func make(
        _ what: @autoclosure () -> String, retaining retained: AnyObject?,
        _ call: (UnsafeMutablePointer<OpaquePointer?>) -> Int32
    ) throws -> VipsImage {
        var result: OpaquePointer?
        guard call(&result) == 0, let result else { throw VipsFailure(operation: what(), reason: Vips.takeError()) }
        return VipsImage(result, retaining: retained)
    }

    /// An image made from this one, keeping what this one reads from.
    private func derived(
        _ what: @autoclosure () -> String, _ call: (UnsafeMutablePointer<OpaquePointer?>) -> Int32
    ) throws -> VipsImage {
        try Self.make(what(), retaining: retained, call)
    }

    /// - Parameter owner: keeps the file at `path` readable for as long as the image lives.
    static func thumbnail(path: String, owner: AnyObject?, loader: String, longEdge: Int, exportSRGB: Bool) throws
        -> VipsImage
    {
        try make(
            "open", retaining: owner, { wm_vips_thumbnail_file(path, loader, Int32(longEdge), exportSRGB ? 1 : 0, $0) })
    }

    /// The buffer must outlive the image, and `owner` keeps it: libvips reads it lazily.
    static func thumbnail(
        buffer: UnsafeRawBufferPointer, owner: AnyObject?, loader: String, longEdge: Int, exportSRGB: Bool
    ) throws -> VipsImage {
        try make("open", retaining: owner) {
            wm_vips_thumbnail_buffer(buffer.baseAddress, buffer.count, loader, Int32(longEdge), exportSRGB ? 1 : 0, $0)
        }
    }

    /// Every frame of the animation at `path` as one strip, frames one under the other, 8-bit sRGB
    /// with alpha flattened onto white, decoded lazily and in order: read it top to bottom, once.
    static func animation(path: String, owner: AnyObject?, loader: String) throws -> (
        strip: VipsImage, frameHeight: Int, frames: Int, delays: [Int]
    ) {
        var frameHeight: Int32 = 0
        var frames: Int32 = 0
        var delays: UnsafeMutablePointer<Int32>?
        var delayCount: Int32 = 0
        let strip = try make("open the animation", retaining: owner) {
            wm_vips_animation_file(path, loader, $0, &frameHeight, &frames, &delays, &delayCount)
        }
        defer { wm_vips_free(delays) }
        let milliseconds = delays.map { Array(UnsafeBufferPointer(start: $0, count: Int(delayCount))) } ?? []
        return (strip, Int(frameHeight), Int(frames), milliseconds.map(Int.init))
    }

    /// Writes `count` rows from `top`, pixel after pixel, `times` times to `descriptor`.
    func writeRows(from top: Int, count: Int, times: Int, to descriptor: Int32) throws {
        switch wm_vips_write_rows(handle, Int32(top), Int32(count), Int32(times), descriptor) {
        case 0: return
        case -2: throw VipsFailure(operation: "write the frames", reason: String(cString: strerror(errno)))
        default: throw VipsFailure(operation: "decode the frames", reason: Vips.takeError())
        }
    }

    func thumbnail(longEdge: Int) throws -> VipsImage {
        try derived("resize", { wm_vips_thumbnail_image(handle, Int32(longEdge), $0) })
    }

    func toSRGB8() throws -> VipsImage { try derived("convert to 8-bit sRGB", { wm_vips_to_srgb8(handle, $0) }) }

    /// An 8-bit grey or grey+alpha image as sRGB RGB or RGBA (alpha kept); others as they are.
    func greyToSRGB() throws -> VipsImage { try derived("convert grey to sRGB", { wm_vips_grey_to_srgb(handle, $0) }) }

    func flatten(onto colour: RGBColour) throws -> VipsImage {
        try derived(
            "flatten", { wm_vips_flatten(handle, Int32(colour.red), Int32(colour.green), Int32(colour.blue), $0) })
    }

    func copyToMemory() throws -> VipsImage { try derived("decode", { wm_vips_copy_memory(handle, $0) }) }

    func resized(by scale: Double) throws -> VipsImage {
        try derived("resize", { wm_vips_resize(handle, scale, $0) })
    }

    func sampleStrips(count: Int, stripHeight: Int) throws -> VipsImage {
        try derived("sample", { wm_vips_sample_strips(handle, Int32(count), Int32(stripHeight), $0) })
    }

    func minimumAlpha() throws -> Double {
        var minimum = 0.0
        guard wm_vips_alpha_min(handle, &minimum) == 0 else {
            throw VipsFailure(operation: "read alpha", reason: Vips.takeError())
        }
        return minimum
    }

    func jpeg(quality: Int) throws -> [UInt8] {
        try Self.blob("encode JPEG") { wm_vips_jpeg_blob(handle, Int32(quality), $0) }
    }

    /// The outcome of an encode that stops once its output passes a byte cap.
    enum CappedOutput {
        /// The whole image, within the cap: its bytes (nil when written to a file) and size.
        case complete([UInt8]?, size: Int)
        /// The encoder passed the cap after this many bytes and stopped.
        case overCap(after: Int)
    }

    /// Encodes as JPEG, giving up as soon as the output passes `cap` bytes: an image that cannot
    /// fit costs only part of a pass. Writes to `fileDescriptor` when given, else returns the bytes.
    func jpeg(quality: Int, cap: Int, fileDescriptor: Int32? = nil) throws -> CappedOutput {
        var written = 0
        var blob: OpaquePointer?
        let result = wm_vips_jpeg_capped(handle, fileDescriptor ?? -1, Int32(quality), cap, &written, &blob)
        switch result {
        case 0:
            guard let blob else { return .complete(fileDescriptor == nil ? [] : nil, size: written) }
            defer { wm_vips_blob_release(blob) }
            let count = wm_vips_blob_length(blob)
            guard count > 0, let data = wm_vips_blob_data(blob) else { return .complete([], size: 0) }
            return .complete([UInt8](UnsafeRawBufferPointer(start: data, count: count)), size: count)
        case 1:
            return .overCap(after: written)
        default:
            throw VipsFailure(operation: "encode JPEG", reason: Vips.takeError())
        }
    }

    /// - Parameter filtered: let libpng choose a row filter per row (smaller, a little slower);
    ///   libvips' default is none.
    func png(compression: Int, filtered: Bool = false) throws -> [UInt8] {
        try Self.blob("encode PNG") { wm_vips_png_blob(handle, Int32(compression), filtered ? 1 : 0, $0) }
    }

    private static func blob(_ what: String, _ call: (UnsafeMutablePointer<OpaquePointer?>) -> Int32) throws -> [UInt8]
    {
        var blob: OpaquePointer?
        guard call(&blob) == 0, let blob else { throw VipsFailure(operation: what, reason: Vips.takeError()) }
        defer { wm_vips_blob_release(blob) }
        let count = wm_vips_blob_length(blob)
        guard count > 0, let data = wm_vips_blob_data(blob) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: data, count: count))
    }
}

/// A libvips operation that failed, with the reason copied out of its error buffer.
struct VipsFailure: Error {
    var operation: String
    var reason: String
}
