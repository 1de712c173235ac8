internal import CVipsShim
import Foundation

/// How libvips shares the machine with the caller's own parallelism. By default libvips runs a
/// worker thread per core for every image; a caller that already works on many images at once
/// gains nothing from those threads but switching and memory.
public struct VipsTuning: Sendable, Hashable {
    /// Worker threads libvips runs per image; nil leaves libvips' choice (one per core, or
    /// `VIPS_CONCURRENCY`). A `VIPS_CONCURRENCY` set in the environment wins over this value.
    public var threadsPerImage: Int?
    /// glibc's malloc arenas for the whole process (Linux); nil leaves glibc's default, eight per
    /// core. Each new thread gets an arena that keeps freed memory for reuse: with libvips' threads
    /// that is tens of MB a long run never needs.
    public var mallocArenas: Int?

    public init(threadsPerImage: Int? = nil, mallocArenas: Int? = nil) {
        self.threadsPerImage = threadsPerImage
        self.mallocArenas = mallocArenas
    }

    /// For `jobs` images worked on at once: one libvips thread per image and at most four malloc
    /// arenas; no tuning for one image at a time.
    public static func forParallelImages(_ jobs: Int) -> VipsTuning {
        guard jobs > 1 else { return VipsTuning() }
        return VipsTuning(threadsPerImage: 1, mallocArenas: min(jobs, 4))
    }
}

extension Vips {
    /// Applies `tuning` to this process, before or after libvips starts: call it once, before the
    /// work begins (malloc arenas only limit threads started after it).
    public static func tune(_ tuning: VipsTuning) {
        if let threads = tuning.threadsPerImage, ProcessInfo.processInfo.environment["VIPS_CONCURRENCY"] == nil {
            wm_vips_concurrency_set(Int32(threads))
        }
        if let arenas = tuning.mallocArenas { wm_malloc_arenas_set(Int32(arenas)) }
    }

    /// The worker threads libvips runs per image: the value tuned before it started (0 when none
    /// was), libvips' own once it has.
    public static var threadsPerImage: Int { Int(wm_vips_concurrency_get()) }
}
