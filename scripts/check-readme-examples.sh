#!/usr/bin/env bash
# Every ```swift block of README.md must stand, line for line, in a source file of the example
# package (Examples/UploadValidator), where scripts/check-consumer.sh compiles and runs it: a README
# example that no longer builds, or that was changed in one place only, fails here.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - README.md Examples/UploadValidator/Sources <<'PY'
import pathlib, re, sys

readme, sources = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
blocks = re.findall(r"^```swift\n(.*?)^```$", readme.read_text(), re.S | re.M)
files = {path: [line.rstrip() for line in path.read_text().splitlines()] for path in sorted(sources.rglob("*.swift"))}

def contains(lines, block):
    return any(lines[start:start + len(block)] == block for start in range(len(lines) - len(block) + 1))

missing = 0
for number, text in enumerate(blocks, 1):
    block = [line.rstrip() for line in text.rstrip("\n").splitlines()]
    homes = [str(path) for path, lines in files.items() if contains(lines, block)]
    if homes:
        print(f"README swift block {number} ({block[0]} …): {', '.join(homes)}")
    else:
        missing += 1
        print(f"check-readme-examples: README.md's swift block {number}, starting '{block[0]}', is in no file"
              f" under {sources}: copy the block there as it now reads, so that it is compiled and run",
              file=sys.stderr)
if not blocks:
    sys.exit("check-readme-examples: README.md has no ```swift block; is this the right README?")
sys.exit(1 if missing else 0)
PY
