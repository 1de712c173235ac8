/// How far a transcode is, as ffmpeg reports it.
public struct TranscodeProgress: Sendable, Hashable {
    /// The encode under way, from 1: a two-pass video has two, a corrected size one more.
    public var pass: Int
    /// The encodes planned so far.
    public var passes: Int
    /// How much of the current encode is done, 0...1; nil when the duration is unknown.
    public var fraction: Double?
    /// Seconds of media written by the current encode.
    public var mediaSeconds: Double
}
