import Foundation
import TestSupport

/// Images whose metadata, bit depth or frames matter, made once per run with vips, ImageMagick,
/// ffmpeg and exiftool, and with Python's standard library where a hand-made chunk is needed.
final class ImageMetadataFixtures: Sendable {
    static let shared = Result { try ImageMetadataFixtures() }
    static func get() throws -> ImageMetadataFixtures { try shared.get() }

    let directory: URL

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name)))) }

    static let gps = [
        "-GPSLatitude=48.8584", "-GPSLatitudeRef=N", "-GPSLongitude=2.2945", "-GPSLongitudeRef=E",
        "-GPSAltitude=35",
    ]

    private init() throws {
        directory = try makeTemporaryDirectory("wamedia-metadata")
        func file(_ name: String) -> String { directory.appendingPathComponent(name).path }
        func python(_ arguments: String...) throws { try runTool("python3", ["-c", Self.script] + arguments) }
        func exiftool(_ arguments: [String], _ name: String) throws {
            try runTool("exiftool", ["-q", "-q", "-overwrite_original"] + arguments + [file(name)])
        }

        // A small photo-like picture.
        try runTool("vips", ["perlin", file("p.v"), "160", "120", "--cell-size", "20"])
        try runTool("vips", ["linear", file("p.v"), file("l.v"), "100", "128"])
        try runTool("vips", ["bandjoin", "\(file("l.v")) \(file("l.v")) \(file("p.v"))", file("rgbf.v")])
        try runTool("vips", ["cast", file("rgbf.v"), file("rgb8.v"), "uchar"])
        try runTool("vips", ["copy", file("rgb8.v"), file("rgb.v"), "--interpretation", "srgb"])

        // Low bit depths.
        for (depth, kind) in [(1, "grey"), (2, "palette"), (4, "palette"), (4, "palette-alpha"), (2, "grey")] {
            try python("lowbit", file("\(kind)-\(depth).png"), "\(depth)", kind)
        }

        // A zTXt decompression bomb and oversized JPEG APP segments.
        try runTool("vips", ["pngsave", file("rgb.v"), file("plain.png")])
        try python("ztxt-bomb", file("plain.png"), file("ztxt-bomb.png"), "200")
        try runTool("vips", ["jpegsave", file("rgb.v"), file("plain.jpg"), "--Q", "85"])
        try python("app-bomb", file("plain.jpg"), file("app-bomb.jpg"))

        // Animated PNGs: whole, with a broken frame sequence, and with its image data cut short.
        try runTool(
            "ffmpeg",
            [
                "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=96x64:rate=5", "-frames:v", "3",
                "-plays", "0", "-f", "apng", file("animated.png"),
            ])
        try python("apng-break", file("animated.png"), file("animated-broken.png"))
        try python("cut-idat", file("animated.png"), file("animated-cut.png"))

        // Locations: JPEG (EXIF GPS, upright, with an ICC profile), a rotated one, XMP GPS, PNG eXIf.
        try runTool("vips", ["jpegsave", file("rgb.v"), file("gps.jpg"), "--Q", "85", "--profile", "srgb"])
        try exiftool(Self.gps + ["-Orientation#=1", "-Make=TestCam", "-Model=One"], "gps.jpg")
        try runTool("vips", ["jpegsave", file("rgb.v"), file("gps-rotated.jpg"), "--Q", "85"])
        try exiftool(Self.gps + ["-Orientation#=6", "-Make=TestCam"], "gps-rotated.jpg")
        try runTool("vips", ["jpegsave", file("rgb.v"), file("xmp-gps.jpg"), "--Q", "85"])
        try exiftool(
            ["-XMP-exif:GPSLatitude=48.8584", "-XMP-exif:GPSLongitude=2.2945", "-XMP-dc:Title=Tour"], "xmp-gps.jpg")
        try runTool("vips", ["pngsave", file("rgb.v"), file("gps.png")])
        try exiftool(Self.gps + ["-Make=TestCam"], "gps.png")

        // Locations in PNG text chunks: EXIF and XMP raw profiles (zTXt, tEXt), compressed XMP in
        // iTXt, and what ImageMagick writes for a GPS photo (eXIf plus exif:GPS* tEXt chunks).
        try python("raw-profiles", file("gps.jpg"), file("plain.png"), directory.path)
        try runTool("convert", [file("gps.jpg"), file("magick-gps.png")])
        // A drone's JPEG: GPS only in DJI's XMP namespace and XMP-exif GPSDateTime.
        try python("dji-xmp", file("plain.jpg"), file("dji.jpg"))

        // Compressed chunks that inflate to 512 kB (kept), 2 MB and 64 MB, and an acTL without fcTL.
        for (type, size) in [
            ("zTXt", 512 * 1024), ("zTXt", 2 << 20), ("zTXt", 64 << 20), ("iCCP", 2 << 20), ("iCCP", 64 << 20),
        ] {
            try python("inflate-bomb", file("plain.png"), file("\(type)-\(size).png"), type, "\(size)")
        }
        try python("actl-only", file("plain.png"), file("actl-only.png"))

        // Videos with a location: 3GPP loci in an MP4's udta, ©xyz in a MOV's, QuickTime keys in a MOV's meta.
        let source = ["-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", "1"]
        let h264 = ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-profile:v", "main", "-bf", "0"]
        try runTool(
            "ffmpeg",
            source + h264 + [
                "-metadata", "location=+48.8584+002.2945/", "-metadata", "title=Tour", "-movflags", "+faststart",
                file("gps.mp4"),
            ])
        try runTool("ffmpeg", source + h264 + ["-metadata", "location=+48.8584+002.2945/", file("xyz.mov")])
        try runTool(
            "ffmpeg",
            source + h264 + [
                "-metadata", "com.apple.quicktime.location.ISO6709=+48.8584+002.2945+035.000/",
                "-metadata", "com.apple.quicktime.make=TestCam", "-movflags", "use_metadata_tags+faststart",
                file("gps.mov"),
            ])

        // Portable anymaps, PFM and JPEG 2000.
        try runTool("vips", ["copy", file("rgb.v"), file("photo.ppm")])
        try runTool("vips", ["colourspace", file("rgb.v"), file("grey.v"), "b-w"])
        try runTool("vips", ["copy", file("grey.v"), file("photo.pgm")])
        try runTool("convert", ["-size", "64x48", "pattern:checkerboard", "-monochrome", file("photo.pbm")])
        try python("pfm", file("photo.pfm"))
        try runTool("vips", ["jp2ksave", file("rgb.v"), file("photo.jp2")])
        for format in ["psd", "tga", "ico", "pcx"] {
            try runTool("convert", ["-size", "32x32", "xc:red", file("magick.\(format)")])
        }
    }

    /// Chunk and segment surgery that no tool does.
    static let script = #"""
        import struct, sys, zlib

        def chunk(kind, data):
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

        def chunks(data):
            offset, out = 8, []
            while offset < len(data):
                length = struct.unpack(">I", data[offset:offset + 4])[0]
                out.append((data[offset + 4:offset + 8], data[offset + 8:offset + 8 + length]))
                offset += 12 + length
            return out

        def write_png(path, parts):
            with open(path, "wb") as out:
                out.write(b"\x89PNG\r\n\x1a\n" + b"".join(chunk(kind, body) for kind, body in parts))

        mode = sys.argv[1]
        if mode == "lowbit":
            path, depth, kind = sys.argv[2], int(sys.argv[3]), sys.argv[4]
            width, height = 64, 48
            colours = 1 << depth
            rows = b""
            for y in range(height):
                values = [((x // 4) + (y // 4)) % colours for x in range(width)]
                bits = "".join(format(v, "0%db" % depth) for v in values)
                bits += "0" * (-len(bits) % 8)
                rows += b"\x00" + int(bits, 2).to_bytes(len(bits) // 8, "big")
            colour_type = 0 if kind == "grey" else 3
            parts = [(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0))]
            if colour_type == 3:
                palette = b"".join(bytes([(i * 67) % 256, (i * 131) % 256, (255 - i * 29) % 256]) for i in range(colours))
                parts.append((b"PLTE", palette))
                if kind == "palette-alpha":
                    parts.append((b"tRNS", bytes([0] + [255] * (colours - 1))))
            parts += [(b"IDAT", zlib.compress(rows)), (b"IEND", b"")]
            write_png(path, parts)
        elif mode == "ztxt-bomb":
            source, path, megabytes = sys.argv[2], sys.argv[3], int(sys.argv[4])
            parts = chunks(open(source, "rb").read())
            compressor = zlib.compressobj(9)
            block = b"\x00" * (1 << 20)
            stream = b"".join(compressor.compress(block) for _ in range(megabytes)) + compressor.flush()
            write_png(path, parts[:1] + [(b"zTXt", b"Comment\x00\x00" + stream)] + parts[1:])
        elif mode == "app-bomb":
            source, path = sys.argv[2], sys.argv[3]
            data = open(source, "rb").read()
            body = b"http://ns.adobe.com/xmp/extension/\x00" + b"x" * 60000
            segment = b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
            open(path, "wb").write(data[:2] + segment * 20 + data[2:])
        elif mode == "apng-break":
            source, path = sys.argv[2], sys.argv[3]
            parts = chunks(open(source, "rb").read())
            controls = [i for i, (kind, _) in enumerate(parts) if kind == b"fcTL"]
            kind, body = parts[controls[-1]]
            parts[controls[-1]] = (kind, struct.pack(">I", 99) + body[4:])
            write_png(path, parts)
        elif mode == "cut-idat":
            source, path = sys.argv[2], sys.argv[3]
            data = open(source, "rb").read()
            start = data.index(b"IDAT") - 4
            length = struct.unpack(">I", data[start:start + 4])[0]
            open(path, "wb").write(data[:start + 8 + length // 2])
        elif mode == "pfm":
            path = sys.argv[2]
            width, height = 64, 48
            rows = b"".join(
                struct.pack("<%df" % (width * 3), *[v for x in range(width) for v in (x / width, y / height, 0.5)])
                for y in range(height))
            open(path, "wb").write(b"PF\n%d %d\n-1.0\n" % (width, height) + rows)
        elif mode == "raw-profiles":
            jpeg, png, folder = sys.argv[2], sys.argv[3], sys.argv[4]
            data = open(jpeg, "rb").read()
            offset, exif = 2, None
            while exif is None:
                length = struct.unpack(">H", data[offset + 2:offset + 4])[0]
                body = data[offset + 4:offset + 2 + length]
                if data[offset + 1] == 0xE1 and body.startswith(b"Exif\x00\x00"):
                    exif = body
                offset += 2 + length
            def raw(name, payload):
                digits = payload.hex()
                lines = "\n".join(digits[i:i + 72] for i in range(0, len(digits), 72))
                return ("\n%s\n%8d\n%s\n" % (name, len(payload), lines)).encode()
            xmp = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
                b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""'
                b' xmlns:exif="http://ns.adobe.com/exif/1.0/"><exif:GPSLatitude>48,51.504N</exif:GPSLatitude>'
                b'<exif:GPSLongitude>2,17.67E</exif:GPSLongitude></rdf:Description></rdf:RDF></x:xmpmeta>'
                b'<?xpacket end="w"?>')
            dji = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
                b'<rdf:Description rdf:about="" xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/"'
                b' drone-dji:GpsLatitude="48.8584" drone-dji:GpsLongitude="2.2945"'
                b' drone-dji:AbsoluteAltitude="+120.50"/></rdf:RDF></x:xmpmeta>')
            parts = chunks(open(png, "rb").read())
            comment = (b"tEXt", b"Comment\x00kept as it is")
            def text(kind, keyword, payload):
                if kind == b"zTXt":
                    return (kind, keyword + b"\x00\x00" + zlib.compress(payload))
                if kind == b"iTXt":
                    return (kind, keyword + b"\x00\x01\x00\x00\x00" + zlib.compress(payload))
                return (kind, keyword + b"\x00" + payload)
            write_png(folder + "/raw-exif.png", parts[:1] + [comment, text(b"zTXt", b"Raw profile type exif", raw("exif", exif))] + parts[1:])
            write_png(folder + "/raw-app1.png", parts[:1] + [text(b"tEXt", b"Raw profile type APP1", raw("APP1", exif)), comment] + parts[1:])
            write_png(folder + "/raw-xmp.png", parts[:1] + [text(b"zTXt", b"Raw profile type xmp", raw("xmp", xmp)),
                text(b"iTXt", b"XML:com.adobe.xmp", dji), comment] + parts[1:])
        elif mode == "dji-xmp":
            source, path = sys.argv[2], sys.argv[3]
            data = open(source, "rb").read()
            packet = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>\n<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
                b' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
                b'  <rdf:Description rdf:about=""\n    xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/"\n'
                b'    xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
                b'    drone-dji:AbsoluteAltitude="+120.50"\n    drone-dji:RelativeAltitude="+30.10"\n'
                b'    drone-dji:GpsLatitude="48.858400"\n    drone-dji:GpsLongitude="2.294500"\n'
                b'    drone-dji:FlightYawDegree="+12.30">\n'
                b'   <exif:GPSDateTime>2024-05-01T10:00:00Z</exif:GPSDateTime>\n'
                b'   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Tour</rdf:li></rdf:Alt></dc:title>\n'
                b'  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n<?xpacket end="w"?>')
            body = b"http://ns.adobe.com/xap/1.0/\x00" + packet
            segment = b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
            open(path, "wb").write(data[:2] + segment + data[2:])
        elif mode == "inflate-bomb":
            source, path, kind, size = sys.argv[2], sys.argv[3], sys.argv[4].encode(), int(sys.argv[5])
            parts = chunks(open(source, "rb").read())
            compressor = zlib.compressobj(9)
            block = b"\x00" * (1 << 16)
            stream = b"".join(compressor.compress(block[:min(len(block), size - done)])
                for done in range(0, size, len(block))) + compressor.flush()
            name = b"Comment" if kind == b"zTXt" else b"ICC profile"
            write_png(path, parts[:1] + [(kind, name + b"\x00\x00" + stream)] + parts[1:])
        elif mode == "actl-only":
            source, path = sys.argv[2], sys.argv[3]
            parts = chunks(open(source, "rb").read())
            write_png(path, parts[:1] + [(b"acTL", struct.pack(">II", 1, 0))] + parts[1:])
        elif mode == "chunks":
            print("\n".join(kind.decode() for kind, _ in chunks(open(sys.argv[2], "rb").read())))
        """#

    /// The chunk types of a PNG, in order, as Python reads them.
    func chunkTypes(_ path: String) throws -> [String] {
        try runTool("python3", ["-c", Self.script, "chunks", path]).split(separator: "\n").map(String.init)
    }
}

/// exiftool's view of a file: every tag as `Group:Name` → value.
func exiftoolTags(_ path: String) throws -> [String: String] {
    let output = try runTool("exiftool", ["-j", "-G", "-n", path])
    guard let list = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]],
        let tags = list.first
    else { throw FixtureError("exiftool gave no JSON for \(path)") }
    return tags.mapValues { "\($0)" }
}

/// vipsheader's answer for one field (`bands`, `format`, `interpretation`, `width`, ...).
func vipsheaderField(_ field: String, _ path: String) throws -> String {
    try runTool("vipsheader", ["-f", field, path]).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// The largest per-pixel difference between two images, as libvips decodes them.
func largestPixelDifference(_ first: String, _ second: String, in directory: URL) throws -> Double {
    let difference = directory.appendingPathComponent("difference-\(UUID().uuidString).v").path
    let absolute = directory.appendingPathComponent("absolute-\(UUID().uuidString).v").path
    defer {
        try? FileManager.default.removeItem(atPath: difference)
        try? FileManager.default.removeItem(atPath: absolute)
    }
    try runTool("vips", ["subtract", first, second, difference])
    try runTool("vips", ["abs", difference, absolute])
    return Double(try runTool("vips", ["max", absolute]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? .infinity
}
