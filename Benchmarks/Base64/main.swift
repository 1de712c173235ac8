// Encodes a file to base64 on standard output with the library's streaming encoder, and reports
// the in-process rate on standard error. Built only with WAMEDIA_BENCHMARKS=1 (see Package.swift);
// scripts/bench-base64.sh runs it against `base64 -w0` and Python.
//
//   base64-bench FILE [--api write|callback|async|reader] [--chunk-size BYTES] [--kernel NAME]

import WabaEncoding

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes to standard error with write(2): the C `stderr` global is not concurrency-safe.
func report(_ message: String) {
    var line = "base64-bench: \(message)\n"
    line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

func fail(_ message: String) -> Never {
    report(message)
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
var path: String?
var api = "write"
var chunkSize = Base64FileEncoder.defaultChunkSize
var kernel = Base64Encoder.Kernel.best
while !arguments.isEmpty {
    let argument = arguments.removeFirst()
    func value() -> String {
        guard !arguments.isEmpty else { fail("\(argument) needs a value") }
        return arguments.removeFirst()
    }
    switch argument {
    case "--api": api = value()
    case "--chunk-size":
        guard let size = Int(value()) else { fail("--chunk-size takes a number of bytes") }
        chunkSize = size
    case "--kernel":
        let name = value()
        guard let chosen = Base64Encoder.Kernel(rawValue: name) else {
            fail("unknown kernel \(name); known: \(Base64Encoder.Kernel.allCases.map(\.rawValue))")
        }
        kernel = chosen
    default:
        guard path == nil, !argument.hasPrefix("-") else { fail("unexpected argument \(argument)") }
        path = argument
    }
}
guard let path else {
    fail("usage: base64-bench FILE [--api write|callback|async|reader] [--chunk-size N] [--kernel K]")
}

/// `value` with `digits` decimals, without Foundation (kept out so that peak RSS is the encoder's).
func fixed(_ value: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int((value * scale).rounded())
    let fraction = String(scaled % Int(scale))
    return "\(scaled / Int(scale)).\(String(repeating: "0", count: digits - fraction.count))\(fraction)"
}

func writeAll(_ bytes: UnsafeRawBufferPointer) {
    var offset = 0
    while offset < bytes.count {
        let result = write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
        if result < 0 {
            if errno == EINTR { continue }
            fail("write: \(String(cString: strerror(errno)))")
        }
        offset += result
    }
}

/// CPU seconds used by the process: steadier than wall time on a machine that is busy elsewhere.
func cpuSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
}

do {
    let startCPU = cpuSeconds()
    let start = ContinuousClock.now
    let encoder = try Base64FileEncoder(path: path, chunkSize: chunkSize, kernel: kernel)
    var written = 0
    switch api {
    case "write":
        written = try encoder.write(to: STDOUT_FILENO)
    case "callback":
        try encoder.encode { chunk in
            writeAll(chunk)
            written += chunk.count
        }
    case "async":
        for try await chunk in encoder.chunks {
            chunk.withUnsafeBytes(writeAll)
            written += chunk.count
        }
    case "reader":
        let reader = encoder.makeReader()
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: encoder.encodedChunkCapacity, alignment: 64)
        while true {
            let count = try reader.next(into: output)
            if count == 0 { break }
            writeAll(UnsafeRawBufferPointer(rebasing: output[..<count]))
            written += count
        }
    default:
        fail("unknown --api \(api); known: write, callback, async, reader")
    }
    let elapsed = ContinuousClock.now - start
    let cpu = cpuSeconds() - startCPU
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    guard written == encoder.encodedLength else { fail("wrote \(written) bytes, expected \(encoder.encodedLength)") }
    let rate = Double(encoder.byteCount) / seconds / 1e9
    let cpuRate = Double(encoder.byteCount) / cpu / 1e9
    report(
        "\(encoder.byteCount) bytes in \(fixed(seconds, 4)) s (cpu \(fixed(cpu, 4)) s, \(fixed(cpuRate, 2)) GB/s), "
            + "kernel \(kernel), api \(api), chunk \(chunkSize): \(fixed(rate, 2)) GB/s")
} catch {
    fail("\(error)")
}
