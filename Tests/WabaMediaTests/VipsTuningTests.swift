import Foundation
import Testing

@testable import WabaMedia

@Suite("libvips tuning")
struct VipsTuningTests {
    @Test("many images at once: one libvips thread each and at most four malloc arenas; one image: no tuning")
    func forParallelImages() {
        #expect(VipsTuning.forParallelImages(1) == VipsTuning())
        #expect(VipsTuning.forParallelImages(3) == VipsTuning(threadsPerImage: 1, mallocArenas: 3))
        #expect(VipsTuning.forParallelImages(16) == VipsTuning(threadsPerImage: 1, mallocArenas: 4))
    }

    @Test("the threads per image reach libvips, unless VIPS_CONCURRENCY in the environment says otherwise")
    func threadsReachLibvips() throws {
        try Vips.start()
        let before = Vips.threadsPerImage
        #expect(before >= 1)
        defer { Vips.tune(VipsTuning(threadsPerImage: before)) }
        Vips.tune(VipsTuning(threadsPerImage: before + 2))
        let fromEnvironment = ProcessInfo.processInfo.environment["VIPS_CONCURRENCY"] != nil
        #expect(Vips.threadsPerImage == (fromEnvironment ? before : before + 2))
    }
}
