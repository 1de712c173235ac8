/// A pixel count in megapixels, to one decimal: 100.0 MP.
package struct Megapixels: CustomStringConvertible, Sendable {
    package var pixels: Int
    package init(_ pixels: Int) { self.pixels = pixels }

    package var description: String {
        let tenths = (pixels + 50_000) / 100_000
        return "\(tenths / 10).\(tenths % 10) MP"
    }
}
