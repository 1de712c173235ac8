internal import CVipsShim
import Foundation

/// The process-wide libvips runtime: started once, errors copied out of its global buffer.
public enum Vips {
    /// Starts libvips (once per process) with untrusted loaders blocked and the operation cache off.
    public static func start() throws {
        guard wm_vips_init() == 0 else {
            throw WabaMediaError(
                .nativeLibrary, "libvips could not start: \(takeError())",
                hint: "install libvips (Debian: apt-get install libvips-dev)")
        }
    }

    /// Copies and clears libvips' error buffer.
    static func takeError() -> String {
        let raw = wm_vips_error_take()
        defer { wm_vips_free(raw) }
        let message = raw.map { String(cString: $0) } ?? ""
        let trimmed = message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        return trimmed.isEmpty ? "unknown libvips error" : trimmed.joined(separator: "; ")
    }
}
