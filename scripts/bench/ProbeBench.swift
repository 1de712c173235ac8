// Times AVProbe and ContainerRewriter on one file; scripts/bench-probes.sh compiles this with the
// parser sources and compares the figures with ffprobe and ffmpeg.
#if canImport(Glibc)
    import Glibc
#endif

@main
struct ProbeBench {
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) * 1000 + Double(time.tv_nsec) / 1_000_000
    }

    static func maxRSSKilobytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss
    }

    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 3 else {
            print("usage: probe-bench probe FILE [RUNS] | rewrite FILE OUTPUT")
            exit(64)
        }
        let path = arguments[2]
        switch arguments[1] {
        case "probe":
            let runs = arguments.count > 3 ? Int(arguments[3]) ?? 20 : 20
            var times: [Double] = []
            var info: AVInfo?
            for _ in 0..<runs {
                let start = now()
                info = try AVProbe.probe(try FileSource(path: path), mime: "video/mp4")
                times.append(now() - start)
            }
            let first = times[0]
            times.sort()
            let summary = info.map {
                "\($0.tracks.map(\.codec)) \($0.durationSeconds ?? 0) s faststart=\(String(describing: $0.faststart))"
            }
            print(
                "probe_first_ms=\(first) probe_min_ms=\(times[0]) probe_median_ms=\(times[times.count / 2]) max_rss_kb=\(maxRSSKilobytes())"
            )
            print("probe_result=\(summary ?? "nil")")
        case "rewrite":
            let start = now()
            let result = try ContainerRewriter.rewrite(input: path, output: arguments[3])
            print(
                "rewrite_ms=\(now() - start) max_rss_kb=\(maxRSSKilobytes()) actions=\(result.actions) bytes=\(result.bytesWritten)"
            )
        default:
            print("unknown mode \(arguments[1])")
            exit(64)
        }
    }
}
