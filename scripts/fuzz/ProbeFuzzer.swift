// libFuzzer entry point for the audio/video parsers. scripts/fuzz-probes.sh compiles this file with the
// parser sources and one of the FUZZ_* conditions, which picks the parser under test.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let source = MemorySource(bytes)
    #if FUZZ_ISO
        _ = try? ISOBaseMediaProbe.probe(source)
    #elseif FUZZ_OGG
        _ = try? OggProbe.probe(source)
    #elseif FUZZ_MATROSKA
        _ = try? MatroskaProbe.probe(source)
    #elseif FUZZ_MPEG
        _ = try? MP3Probe.probe(source, strict: false)
        _ = try? ADTSProbe.probe(source, strict: false)
    #elseif FUZZ_AMR
        _ = try? AMRProbe.probe(source)
    #elseif FUZZ_RIFF
        _ = try? WAVProbe.probe(source)
        _ = try? FLACProbe.probe(source)
    #elseif FUZZ_MOOV
        // The rewriter's in-memory moov parser, its writer, and the QuickTime sound entry conversion.
        var budget = MP4Node.maxNodes
        if let nodes = try? MP4Node.parse(bytes, from: 0, to: bytes.count, budget: &budget) {
            let moov = MP4Node(type: "moov", children: nodes)
            let written = moov.serialized()
            precondition(written.count == moov.size, "serialized size differs from the computed size")
            _ = ContainerRewriter.chunkOffsetTables(in: moov)
        }
        _ = ContainerRewriter.isoSoundDescriptions(bytes)
    #elseif FUZZ_ANY
        for mime: MIMEType in [.mp4, .ogg, .mpegAudio, .aac, .octetStream] {
            _ = try? AVProbe.probe(source, mime: mime)
        }
    #else
        #error("define one of FUZZ_ISO, FUZZ_OGG, FUZZ_MATROSKA, FUZZ_MPEG, FUZZ_AMR, FUZZ_RIFF, FUZZ_MOOV, FUZZ_ANY")
    #endif
    return 0
}
