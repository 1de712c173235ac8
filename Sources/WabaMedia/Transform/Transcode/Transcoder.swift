import Foundation

/// Runs a ``TranscodePlan`` with ffmpeg: builds the command lines, fits the size and measures
/// the result. The output is checked again by the caller, like any file the preparation wrote.
struct Transcoder: Sendable {
    let ffmpeg: FFmpeg
    let plan: TranscodePlan
    let options: TranscodeOptions
    let keepMetadata: Bool
    let progress: (@Sendable (TranscodeProgress) -> Void)?
    /// Where an animation's frames are decoded and written.
    let executor: BlockingExecutor

    /// Writes the transcoded file to `output`; scratch files (two-pass statistics, an animation's
    /// decoded frames) go to `scratch`, a folder the caller owns. Returns what was done, in words.
    func run(_ source: FileSource, output: String, scratch: String) async throws -> [String] {
        do {
            return try await transcode(source, output: output, scratch: scratch)
        } catch var error as WabaMediaError {
            // ffmpeg names the descriptor it was given and the temporary output; people know their file.
            error.message = error.message
                .replacingOccurrences(of: "file:" + source.pathForChildProcess, with: source.path)
                .replacingOccurrences(of: "file:" + output, with: "the converted file")
            throw error
        }
    }

    private func transcode(_ source: FileSource, output: String, scratch: String) async throws -> [String] {
        var input: [String]
        switch plan.input {
        case .file(let demuxer):
            input = ["-f", demuxer, "-protocol_whitelist", "file"]
            // Video keeps its rotation as display rotation: ffmpeg must not turn the pixels.
            if case .video(let encoding) = plan.work, !encoding.isAnimation { input += ["-noautorotate"] }
            input += ["-i", "file:" + source.pathForChildProcess]
        case .decodedFrames(let mime):
            let frames = scratch + "/frames.rgb"
            let raw = try await AnimationFrames.writeRaw(from: source, mime: mime, to: frames, on: executor)
            input = raw.inputArguments + ["-protocol_whitelist", "file", "-i", "file:" + frames]
        }
        switch plan.work {
        case .video(let encoding):
            return try await video(encoding, input: input, output: output, scratch: scratch)
        case .voiceNote(let bitrate, let sizeLimit):
            return try await voiceNote(input, bitrate: bitrate, sizeLimit: sizeLimit, output: output)
        case .aac(let bitrate, let channels):
            try await encode(
                input,
                [
                    "-map", "0:a:\(plan.audioTrack)", "-vn", "-c:a", EncoderName.aac, "-b:a", "\(bitrate)", "-ac",
                    "\(channels)",
                    "-movflags", "+faststart", "-f", "ipod",
                ], output: output, pass: 1, of: 1)
        case .opusRemux:
            try await encode(
                input, ["-map", "0:a:\(plan.audioTrack)", "-vn", "-c:a", "copy"] + Self.oggOutput, output: output,
                pass: 1, of: 1)
        }
        let size = try fileSize(output)
        return plan.steps.filter { !$0.hasPrefix("expected size") } + ["wrote \(ByteCount(size))"]
    }

    // MARK: - Voice notes

    /// OGG as players take it: `+bitexact` writes `ffmpeg` as the OpusTags vendor instead of the
    /// `Lavf` version, and the `encoder` comment names wamedia instead of the `Lavc` version: those
    /// version strings are what voice notes reported not to play on phones carried. libopus itself
    /// writes the OpusHead, with the encoder's real pre-skip.
    static let oggOutput = ["-fflags", "+bitexact", "-metadata:s:a:0", "encoder=wamedia", "-f", "ogg"]

    /// A mono Opus voice note at `bitrate`, measured: one over `sizeLimit` is encoded again at the
    /// rung of ``TranscodePlan/voiceNoteLadder`` its measured size says fits, at most twice.
    private func voiceNote(_ input: [String], bitrate: Int, sizeLimit: Int, output: String) async throws -> [String] {
        var steps = plan.steps.filter { !$0.hasPrefix("expected size") }
        var bitrate = bitrate
        var passes = 1
        while true {
            try await encode(
                input,
                [
                    "-map", "0:a:\(plan.audioTrack)", "-vn", "-c:a", EncoderName.opus, "-b:a", "\(bitrate)", "-ac", "1",
                    "-ar", "\(TranscodePlan.voiceNoteSampleRate)", "-application", "voip",
                ] + Self.oggOutput, output: output, pass: passes, of: passes)
            let size = try fileSize(output)
            let lower = TranscodePlan.voiceNoteLadder.filter { $0 < bitrate }
            guard size > sizeLimit, let lowest = lower.last, passes < 3 else {
                return steps + ["wrote \(ByteCount(size))"]
            }
            // The measured size scales with the bitrate: the highest lower rung that then fits.
            let fitting = Double(bitrate) * Double(sizeLimit) * 0.97 / Double(size)
            let next = lower.first { Double($0) <= fitting } ?? lowest
            steps.append(
                "re-encoded at \(Rate(next)): at \(Rate(bitrate)) it was \(ByteCount(size)), over the \(sizeLimit) "
                    + "bytes that show a play button")
            bitrate = next
            passes += 1
        }
    }

    // MARK: - Video

    private func video(
        _ encoding: TranscodePlan.VideoEncoding, input: [String], output: String, scratch: String
    ) async throws -> [String] {
        var steps = plan.steps.filter { !$0.hasPrefix("expected size") }
        guard encoding.twoPass, var bitrate = encoding.videoBitrate, let duration = plan.durationSeconds else {
            try await encode(
                input, videoArguments(encoding, bitrate: nil, pass: nil, scratch: scratch), output: output,
                pass: 1, of: 1)
            let size = try fileSize(output)
            guard size > plan.budget, !encoding.copyVideo, let cap = encoding.videoBitrate, plan.durationSeconds != nil
            else {
                return steps + ["wrote \(ByteCount(size))"]
            }
            // A one-pass encode that came out over the limit after all: two passes at the budget's rate.
            var fitted = encoding
            fitted.twoPass = true
            fitted.videoBitrate = cap
            var again = self
            again.planOverride(fitted)
            return try await again.video(fitted, input: input, output: output, scratch: scratch)
        }
        let audioBytes = Double(encoding.audio?.bitrate ?? 0) * duration / 8
        let target = Double(plan.budget) * TranscodePlan.budgetShare
        try await encode(
            input, videoArguments(encoding, bitrate: bitrate, pass: 1, scratch: scratch), output: nil, pass: 1, of: 2)
        var passes = 2
        // Measure and correct: x264's two passes land within a few percent; a result over the limit,
        // or well under what the budget allows, is encoded again at a rate scaled by what it missed.
        for attempt in 0..<3 {
            try await encode(
                input, videoArguments(encoding, bitrate: bitrate, pass: 2, scratch: scratch), output: output,
                pass: passes, of: passes)
            let size = Double(try fileSize(output))
            let share = size / Double(plan.budget)
            if share <= 1 && (share >= 0.92 || attempt > 0) { break }
            guard attempt < 2 else {
                throw WabaMediaError(
                    .transformFailed,
                    "the transcoded video is \(ByteCount(Int(size))), over the \(ByteCount(plan.budget)) limit "
                        + "after \(passes - 1) attempts",
                    hint: "cut the video shorter, or send a link to it")
            }
            let videoBytes = max(1, size - audioBytes)
            let correction = max(0.3, min(1.5, (target - audioBytes) / videoBytes))
            bitrate = Int(Double(bitrate) * correction)
            steps.append(
                "re-encoded at \(Rate(bitrate)): the first result was \(Int((share * 100).rounded()))% of the limit")
            passes += 1
        }
        let written = try fileSize(output)
        return steps + ["wrote \(ByteCount(written))"]
    }

    /// The arguments after the input for one video encode; `output` nil is a first pass (no file).
    private func videoArguments(
        _ encoding: TranscodePlan.VideoEncoding, bitrate: Int?, pass: Int?, scratch: String
    ) -> [String] {
        var arguments = ["-map", "0:v:0"]
        let firstPass = pass == 1
        if let audio = encoding.audio, !firstPass {
            arguments += ["-map", "0:a:\(plan.audioTrack)"]
            arguments +=
                audio.copy
                ? ["-c:a", "copy"] : ["-c:a", EncoderName.aac, "-b:a", "\(audio.bitrate)", "-ac", "\(audio.channels)"]
        } else {
            arguments += ["-an"]
        }
        if encoding.copyVideo {
            arguments += ["-c:v", "copy"]
        } else {
            arguments += [
                "-c:v", EncoderName.h264, "-preset", options.speed.x264Preset, "-profile:v", "main", "-pix_fmt",
                "yuv420p",
            ]
            if !encoding.bFrames { arguments += ["-bf", "0"] }
            // An animation's own rate, at most 30 frames per second (shorter frames are dropped); the fps
            // filter also keeps the last frame's delay, which ffmpeg 5.1's constant-rate output drops.
            var filters = encoding.frameRate.map { ["fps=\($0)"] } ?? []
            filters.append(
                encoding.width.flatMap { width in encoding.height.map { "scale=\(width):\($0)" } }
                    ?? "scale=trunc(iw/2)*2:trunc(ih/2)*2")
            if encoding.toneMap {
                // To linear light, BT.709 primaries, Hable's curve, then back to BT.709 video levels.
                filters += [
                    "zscale=t=linear:npl=100", "format=gbrpf32le", "zscale=p=bt709", "tonemap=tonemap=hable:desat=0",
                    "zscale=t=bt709:m=bt709:r=tv", "format=yuv420p",
                ]
                arguments += ["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709"]
            }
            arguments += ["-vf", filters.joined(separator: ",")]
            if let bitrate, encoding.twoPass, let pass {
                arguments += [
                    "-b:v", "\(bitrate)", "-maxrate", "\(bitrate * 2)", "-bufsize", "\(bitrate * 4)",
                    "-qcomp", "\(TranscodePlan.budgetQuantizerCurve)", "-pass", "\(pass)",
                    "-passlogfile", scratch + "/x264-pass",
                ]
            } else {
                arguments += ["-crf", "\(TranscodePlan.crf)"]
                if let bitrate { arguments += ["-maxrate", "\(bitrate)", "-bufsize", "\(bitrate * 2)"] }
            }
        }
        arguments += ["-sn", "-dn"]
        if firstPass { return arguments + ["-f", "null"] }
        return arguments + ["-movflags", "+faststart", "-f", "mp4"]
    }

    private mutating func planOverride(_ encoding: TranscodePlan.VideoEncoding) {
        var changed = plan
        changed.work = .video(encoding)
        self = Transcoder(
            ffmpeg: ffmpeg, plan: changed, options: options, keepMetadata: keepMetadata, progress: progress,
            executor: executor)
    }

    // MARK: - Running ffmpeg

    /// One ffmpeg run: the fenced `input` (its options and `-i`), `arguments`, the metadata rule and
    /// the output (`-` for a first pass that writes nothing).
    private func encode(_ input: [String], _ arguments: [String], output: String?, pass: Int, of passes: Int)
        async throws
    {
        var command = input + arguments
        command += keepMetadata ? ["-map_metadata", "0"] : ["-map_metadata", "-1", "-map_chapters", "-1"]
        command += ["-y", output.map { "file:" + $0 } ?? "-"]
        let duration = plan.durationSeconds
        let report = progress.map { report in
            { @Sendable (seconds: Double) in
                report(
                    TranscodeProgress(
                        pass: pass, passes: passes,
                        fraction: duration.map { $0 > 0 ? min(1, seconds / $0) : 1 }, mediaSeconds: seconds))
            }
        }
        try await ffmpeg.run(
            command,
            limits: .init(
                wallClock: plan.wallClock(options), fileBytes: plan.budget * 4 + (16 << 20)),
            progress: report)
    }

    private func fileSize(_ path: String) throws -> Int {
        guard let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int else {
            throw WabaMediaError(.transformFailed, "ffmpeg wrote no \(path)")
        }
        return size
    }
}
