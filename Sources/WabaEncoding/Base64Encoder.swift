internal import CBase64

/// Base64 (RFC 4648 §4: standard alphabet, padded, no line breaks) for payloads.
///
/// Encoding runs in a vector kernel picked for the CPU at run time (AVX-512 VBMI or AVX2 on
/// x86_64, Advanced SIMD on arm64), with a portable scalar fallback that gives the same bytes.
/// For files, ``Base64FileEncoder`` streams the encoding in bounded memory.
public enum Base64Encoder {
    /// The encoded length of `byteCount` bytes.
    public static func encodedLength(of byteCount: Int) -> Int { (byteCount + 2) / 3 * 4 }

    /// Encodes bytes in memory with the fastest kernel this CPU supports.
    public static func encode(_ bytes: [UInt8]) -> [UInt8] {
        encode(bytes, kernel: .best)
    }

    /// Encodes bytes in memory with a given kernel (all kernels give the same bytes).
    ///
    /// - Precondition: `kernel.isSupported`.
    public static func encode(_ bytes: [UInt8], kernel: Kernel) -> [UInt8] {
        bytes.withUnsafeBytes { encode(UnsafeRawBufferPointer($0), kernel: kernel) }
    }

    /// Encodes the bytes of `input`, which the caller keeps ownership of.
    public static func encode(_ input: UnsafeRawBufferPointer, kernel: Kernel = .best) -> [UInt8] {
        let length = encodedLength(of: input.count)
        return [UInt8](unsafeUninitializedCapacity: length) { output, initialized in
            initialized = encode(input, into: UnsafeMutableRawBufferPointer(output), kernel: kernel)
        }
    }

    /// Encodes `input` into `output`, which must hold at least `encodedLength(of: input.count)`
    /// bytes, and returns the number of bytes written (exactly that length).
    ///
    /// This is the allocation-free entry point: a caller that owns a buffer (a NIO `ByteBuffer`'s
    /// writable bytes, a reused staging buffer) encodes straight into it.
    /// - Precondition: `output` is large enough and `kernel.isSupported`.
    public static func encode(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, kernel: Kernel = .best
    ) -> Int {
        let length = encodedLength(of: input.count)
        precondition(output.count >= length, "output holds \(output.count) bytes, \(length) are needed")
        guard length > 0, let source = input.baseAddress, let destination = output.baseAddress else { return 0 }
        let written = wm_base64_encode_kernel(
            kernel.cValue, source.assumingMemoryBound(to: UInt8.self), input.count,
            destination.assumingMemoryBound(to: CChar.self))
        // The shim answers SIZE_MAX, which is -1 as an Int, for a kernel this CPU cannot run.
        precondition(written >= 0, "the \(kernel) base64 kernel is not supported on this CPU")
        return written
    }

    /// An encoding kernel: the same output, computed with a different instruction set.
    public enum Kernel: String, Sendable, CaseIterable, CustomStringConvertible {
        /// Portable C, one 3-byte group at a time.
        case scalar
        /// x86_64 AVX2, 24 bytes per vector.
        case avx2
        /// x86_64 AVX-512 with VBMI (Ice Lake, Zen 4 and later), 48 bytes per vector.
        case avx512VBMI = "avx512-vbmi"
        /// arm64 Advanced SIMD, 48 bytes per step.
        case neon

        /// Whether this kernel was compiled in and this CPU can run it.
        public var isSupported: Bool { wm_base64_kernel_supported(cValue) != 0 }

        /// The kernel ``Base64Encoder/encode(_:)`` uses on this machine.
        public static var best: Kernel {
            let best = wm_base64_best_kernel()
            return allCases.first { $0.cValue == best } ?? .scalar
        }

        public var description: String { rawValue }

        var cValue: wm_base64_kernel {
            switch self {
            case .scalar: WM_BASE64_KERNEL_SCALAR
            case .avx2: WM_BASE64_KERNEL_AVX2
            case .avx512VBMI: WM_BASE64_KERNEL_AVX512_VBMI
            case .neon: WM_BASE64_KERNEL_NEON
            }
        }
    }
}
