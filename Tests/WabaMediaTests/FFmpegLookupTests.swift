import Foundation
import Synchronization
import TestSupport
import Testing

@testable import WabaMedia

/// The lookup of ffmpeg's encoders, which synchronous code may wait for.
@Suite struct FFmpegLookupTests {
    @Test("the encoder list is found while every thread of Swift's cooperative pool waits")
    func listedWithoutThePool() async throws {
        // Synchronous code on every thread of the pool blocks until the answer: were the listing
        // itself to need one of those threads, the answer would never come. Here the pool is held
        // (for 10 s at most) while a lookup starts and must answer.
        let width = ProcessInfo.processInfo.activeProcessorCount
        let release = DispatchSemaphore(value: 0)
        let holding = Holding()
        let holders = (0..<width).map { _ in
            Task.detached {
                holding.count.withLock { $0 += 1 }
                _ = release.wait(timeout: .now() + 10)
            }
        }
        let answered = try await offThePool {
            // Every thread held, or as many as the pool lends within 2 s.
            let start = ContinuousClock.now
            while holding.count.withLock({ $0 }) < width, ContinuousClock.now - start < .seconds(2) { usleep(1_000) }
            let lookup = FFmpeg.Lookup(executable: "/usr/bin/ffmpeg") { _ in [EncoderName.aac] }
            let asked = ContinuousClock.now
            while !lookup.isFinished, ContinuousClock.now - asked < .seconds(3) { usleep(1_000) }
            for _ in 0..<width { release.signal() }
            return lookup.isFinished
        }
        for holder in holders { await holder.value }
        #expect(answered, "the lookup did not answer while the pool was held")
    }
}

/// How many threads of the pool are held.
private final class Holding: Sendable {
    let count = Mutex(0)
}
