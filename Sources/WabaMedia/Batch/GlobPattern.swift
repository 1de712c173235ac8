#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Shell-style patterns (`*`, `?`, `[...]`), expanded by the C library.
enum GlobPattern {
    static func isPattern(_ path: String) -> Bool {
        path.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }

    static func matches(_ pattern: String) throws -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        let status = glob(pattern, 0, nil, &result)
        switch status {
        case 0: break
        case GLOB_NOMATCH: return []
        case GLOB_ABORTED: throw WabaMediaError(.ioError, "a folder could not be read while matching \(pattern)")
        default: throw WabaMediaError(.ioError, "the pattern \(pattern) could not be expanded")
        }
        return (0..<Int(result.gl_pathc)).compactMap { index in
            result.gl_pathv[index].map { String(cString: $0) }
        }
    }
}
