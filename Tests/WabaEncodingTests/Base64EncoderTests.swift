import Foundation
import Testing
import WabaEncoding

/// SplitMix64: reproducible random bytes, so a failing size can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        var result = [UInt8]()
        result.reserveCapacity(count + 8)
        while result.count < count {
            withUnsafeBytes(of: next().littleEndian) { result.append(contentsOf: $0) }
        }
        return Array(result.prefix(count))
    }
}

/// What Foundation makes of the same bytes: the reference output.
func foundationBase64<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> [UInt8] {
    Array(Data(bytes).base64EncodedString().utf8)
}

/// The CPU features the kernel itself reports, read independently from the kernel.
func cpuFlags() -> Set<Substring> {
    guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
        let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
    else { return [] }
    return Set(line.split(separator: " "))
}

@Suite("Base64Encoder")
struct Base64EncoderTests {
    static let supportedKernels = Base64Encoder.Kernel.allCases.filter(\.isSupported)

    @Test("every kernel matches Foundation for all sizes 0...10,000, at every alignment", arguments: supportedKernels)
    func matchesFoundation(kernel: Base64Encoder.Kernel) {
        var generator = SeededGenerator(seed: 0x5EED_0004)
        // One pool of random bytes; each size starts at a different offset, so the vector loads
        // see every alignment and different content.
        let pool = generator.bytes(10_000 + 64)
        var mismatches: [Int] = []
        pool.withUnsafeBytes { whole in
            for size in 0...10_000 {
                let start = size % 64
                let input = UnsafeRawBufferPointer(rebasing: whole[start..<start + size])
                let encoded = Base64Encoder.encode(input, kernel: kernel)
                if encoded != foundationBase64(input) { mismatches.append(size) }
            }
        }
        #expect(mismatches.isEmpty, "sizes that differ from Foundation with \(kernel): \(mismatches.prefix(20))")
    }

    @Test("the dispatching encoder matches Foundation for all sizes 0...10,000")
    func dispatchingMatchesFoundation() {
        var generator = SeededGenerator(seed: 0x5EED_0005)
        var mismatches: [Int] = []
        for size in 0...10_000 {
            let bytes = generator.bytes(size)
            let encoded = Base64Encoder.encode(bytes)
            if encoded.count != Base64Encoder.encodedLength(of: size) || encoded != foundationBase64(bytes) {
                mismatches.append(size)
            }
        }
        #expect(mismatches.isEmpty, "sizes that differ from Foundation: \(mismatches.prefix(20))")
    }

    @Test("encoding into a buffer writes exactly the encoded length and nothing past it", arguments: supportedKernels)
    func writesNoFurtherThanTheLength(kernel: Base64Encoder.Kernel) {
        var generator = SeededGenerator(seed: 0x5EED_0006)
        for size in [0, 1, 2, 3, 47, 48, 63, 64, 95, 96, 100, 191, 192, 208, 1000, 4099] {
            let bytes = generator.bytes(size)
            let length = Base64Encoder.encodedLength(of: size)
            let guardBytes = 128
            var output = [UInt8](repeating: 0xA5, count: length + guardBytes)
            let written = bytes.withUnsafeBytes { input in
                output.withUnsafeMutableBytes { Base64Encoder.encode(input, into: $0, kernel: kernel) }
            }
            #expect(written == length)
            #expect(Array(output[..<length]) == foundationBase64(bytes), "size \(size)")
            #expect(output[length...].allSatisfy { $0 == 0xA5 }, "\(kernel) wrote past the end for size \(size)")
        }
    }

    @Test("the CPU's vector kernels are found and the widest one is used")
    func dispatchFollowsTheCPU() {
        #if arch(x86_64)
            let flags = cpuFlags()
            #expect(Base64Encoder.Kernel.avx2.isSupported == flags.contains("avx2"))
            let hasVBMI = flags.contains("avx512vbmi") && flags.contains("avx512bw") && flags.contains("avx512f")
            #expect(Base64Encoder.Kernel.avx512VBMI.isSupported == hasVBMI)
            #expect(!Base64Encoder.Kernel.neon.isSupported)
            let expected: Base64Encoder.Kernel = hasVBMI ? .avx512VBMI : flags.contains("avx2") ? .avx2 : .scalar
            #expect(Base64Encoder.Kernel.best == expected)
        #elseif arch(arm64)
            #expect(Base64Encoder.Kernel.neon.isSupported)
            #expect(!Base64Encoder.Kernel.avx2.isSupported)
            #expect(Base64Encoder.Kernel.best == .neon)
        #endif
        #expect(Base64Encoder.Kernel.scalar.isSupported)
    }

    @Test("known vectors from RFC 4648 §10")
    func rfcVectors() {
        let vectors = [
            ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
        ]
        for kernel in Self.supportedKernels {
            for (plain, encoded) in vectors {
                #expect(Base64Encoder.encode(Array(plain.utf8), kernel: kernel) == Array(encoded.utf8))
            }
        }
    }
}
