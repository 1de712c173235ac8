/// How much time the video encoder spends for a smaller, better file: x264's presets.
public enum TranscodeSpeed: String, Sendable, Hashable, CaseIterable, Codable {
    case fast, balanced, best

    var x264Preset: String {
        switch self {
        case .fast: "veryfast"
        case .balanced: "medium"
        case .best: "slow"
        }
    }
}
