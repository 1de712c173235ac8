#!/usr/bin/env bash
# Regenerates samples/: small, honest media files to try wamedia on. Needs libvips-tools,
# ffmpeg and python3 (scripts/install-deps.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/../samples"
rm -f ./*.jpg ./*.png ./*.webp ./*.heic ./*.pdf ./*.txt ./*.docx ./*.mp4 ./*.ogg ./*.mp3 ./*.m4a ./*.mov

# A photo-like JPEG: gradients plus noise, with EXIF orientation 6 (shot with the phone on its side).
vips gaussnoise noise.v 1200 900 --sigma 40 --mean 128
vips black black.v 1200 900 --bands 3
vips xyz xyz.v 1200 900
vips gaussblur noise.v soft.v 3
vips sines sines.v 1200 900 --hfreq 2 --vfreq 3
vips linear sines.v tint.v 60 0
vips add soft.v tint.v red.v
vips bandjoin "red.v soft.v noise.v" rgb.v
vips copy rgb.v photo.v --interpretation srgb
vips cast photo.v photo8.v uchar
vips jpegsave photo8.v photo.jpg --Q 85
rm -f noise.v soft.v sines.v tint.v red.v black.v xyz.v rgb.v photo.v photo8.v

# A PNG with real transparency.
vips black alpha.v 400 300
vips linear alpha.v alpha2.v 1 160
vips cast alpha2.v alpha3.v uchar
vips sines wave.v 400 300
vips linear wave.v wave2.v 127 128
vips cast wave2.v wave3.v uchar
vips bandjoin "wave3.v wave3.v wave3.v alpha3.v" logo.v
vips copy logo.v logo-rgba.v --interpretation srgb
vips pngsave logo-rgba.v logo.png --strip
rm -f alpha.v alpha2.v alpha3.v wave.v wave2.v wave3.v logo.v logo-rgba.v

# WebP: not accepted as an image message, so 'fixable'.
vips webpsave photo.jpg sticker.webp --Q 70 --strip

# A PNG named .jpg: detected as PNG, sent as scan.png.
vips thumbnail photo.jpg scan.v 400
vips pngsave scan.v scan.jpg --compression 9 --strip
rm -f scan.v

# A JPEG cut short: rejected as unreadable.
head -c 20000 photo.jpg > truncated.jpg

# A one-page PDF and a plain-text note.
python3 - <<'PY'
objects = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    None,
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
]
text = b"BT /F1 24 Tf 72 760 Td (Invoice 2026-0042) Tj ET"
objects[3] = b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream"
out = bytearray(b"%PDF-1.4\n")
offsets = []
for number, body in enumerate(objects, start=1):
    offsets.append(len(out))
    out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
xref = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
for offset in offsets:
    out += b"%010d 00000 n \n" % offset
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
open("invoice.pdf", "wb").write(out)

# A minimal Word document (OOXML is a ZIP with a content-types part and word/document.xml).
import zipfile
with zipfile.ZipFile("report.docx", "w", zipfile.ZIP_DEFLATED) as docx:
    docx.writestr("[Content_Types].xml",
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
    docx.writestr("_rels/.rels",
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    docx.writestr("word/document.xml",
        '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        '<w:body><w:p><w:r><w:t>Quarterly report</w:t></w:r></w:p></w:body></w:document>')
PY
printf 'Order 2026-0042\nThank you for your purchase.\n' > notes.txt

# Audio and video: H.264 + AAC MP4, an Opus voice note, an MP3.
ffmpeg -v error -y -f lavfi -i testsrc=size=320x240:rate=15:duration=2 -f lavfi -i sine=frequency=440:duration=2 \
    -c:v libx264 -profile:v main -bf 0 -pix_fmt yuv420p -c:a aac -b:a 64k -movflags +faststart clip.mp4
ffmpeg -v error -y -f lavfi -i sine=frequency=300:duration=3 -ac 1 -c:a libopus -b:a 24k voice.ogg
ffmpeg -v error -y -f lavfi -i sine=frequency=660:duration=2 -c:a libmp3lame -b:a 64k tone.mp3
ls -l
