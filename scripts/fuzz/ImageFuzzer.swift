// libFuzzer entry point for the structural image checks. scripts/fuzz-probes.sh compiles this file
// with ImageStructure, ImageHeaderParser and one of the FUZZ_IMAGE_* conditions.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // An exact-size copy, so a read one byte past the end is caught by the address sanitizer.
    let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 1)
    defer { bytes.deallocate() }
    if size > 0 { bytes.copyMemory(from: UnsafeRawBufferPointer(start: data, count: size)) }
    let view = UnsafeRawBufferPointer(bytes)
    #if FUZZ_IMAGE_STRUCTURE
        for mime: MIMEType in [.jpeg, .png, .webp, .gif] {
            _ = ImageStructure.verify(view, mime: mime)
        }
    #elseif FUZZ_IMAGE_HEADER
        for mime: MIMEType in [.jpeg, .png, .webp] {
            if let info = ImageHeaderParser.parse(view, mime: mime) {
                precondition(info.width > 0 && info.height > 0, "a parsed header has an empty size")
                precondition((1...8).contains(info.orientation), "orientation \(info.orientation) is out of range")
            }
        }
    #else
        #error("define one of FUZZ_IMAGE_STRUCTURE, FUZZ_IMAGE_HEADER")
    #endif
    return 0
}
