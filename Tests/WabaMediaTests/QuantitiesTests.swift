import Testing
import WabaMedia

@Suite("quantities in words")
struct QuantitiesTests {
    @Test(
        "byte counts in decimal units, to a tenth rounded half up",
        arguments: [
            (0, "0 B"), (999, "999 B"), (1_000, "1.0 kB"), (1_150, "1.2 kB"), (1_149, "1.1 kB"),
            (999_949, "999.9 kB"), (5_000_000, "5.0 MB"), (104_857_600, "104.9 MB"), (1_500_000_000, "1.5 GB"),
        ])
    func byteCount(bytes: Int, text: String) {
        #expect(ByteCount(bytes).description == text)
    }

    @Test("a duration in seconds keeps its fraction")
    func durationSeconds() {
        #expect(Duration.seconds(2).seconds == 2)
        #expect(Duration.milliseconds(1_500).seconds == 1.5)
        #expect(Duration.nanoseconds(-250_000_000).seconds == -0.25)
    }

    @Test("a duration in whole nanoseconds saturates at Int64's range instead of trapping")
    func durationNanoseconds() {
        #expect(Duration.milliseconds(1_500).nanoseconds == 1_500_000_000)
        #expect(Duration.nanoseconds(-7).nanoseconds == -7)
        #expect(Duration.seconds(Int64.max).nanoseconds == .max)
        #expect(Duration.seconds(Int64.min).nanoseconds == .min)
    }

    @Test("a duration in words: whole seconds plainly, a fraction in full or to the millisecond")
    func durationText() {
        #expect(Duration.seconds(2).secondsText() == "2 s")
        #expect(Duration.milliseconds(500).secondsText() == "0.5 s")
        #expect(Duration.microseconds(1_234_567).secondsText() == "1.234567 s")
        #expect(Duration.microseconds(1_234_567).secondsText(roundedToMilliseconds: true) == "1.235 s")
        #expect(Duration.seconds(4).secondsText(roundedToMilliseconds: true) == "4 s")
    }
}
