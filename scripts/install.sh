#!/usr/bin/env bash
# Installs the `wamedia` command for users: a release build into PREFIX/bin, with bash,
# zsh and fish completions (from `wamedia --generate-completion-script`) and a man page (from
# swift-argument-parser's generate-manual plugin).
#
#   scripts/install.sh                          # into /usr/local (as root, or with sudo)
#   PREFIX="$HOME/.local" scripts/install.sh    # into your home: put $HOME/.local/bin on PATH
#   DESTDIR=/tmp/stage scripts/install.sh       # staged, for a package: files under DESTDIR/PREFIX
#
# libvips and libmagic stay shared libraries: scripts/install-deps.sh installs them first.
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX=${PREFIX:-/usr/local}
ROOT="${DESTDIR:-}$PREFIX"
# The release build folder the benchmark scripts use (.build-release): installing after a benchmark,
# or the other way round, builds nothing twice.
SCRATCH=${SCRATCH:-.build-release}

scripts/install-deps.sh

# The plugin builds the package's executables in release mode and writes a page for each one
# that uses ArgumentParser into its own work folder.
echo "generating the man page..." >&2
swift package --scratch-path "$SCRATCH" generate-manual >&2
MANUAL=$(find "$SCRATCH/plugins" -path '*GenerateManual*' -name wamedia.1 -print -quit)
[[ -n $MANUAL ]] || {
    echo "install: the generate-manual plugin wrote no wamedia.1 under $SCRATCH/plugins" >&2
    exit 1
}

# After the plugin: its release build links the same binary without.
echo "building wamedia (release)..." >&2
swift build -c release --scratch-path "$SCRATCH" --product wamedia >&2
BINARY="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/wamedia"

sudo=""
if ! mkdir -p "$ROOT" 2>/dev/null || [[ ! -w $ROOT ]]; then
    [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null || {
        echo "install: cannot write to $ROOT: run as root, or choose another PREFIX" >&2
        exit 1
    }
    sudo="sudo"
fi

COMPLETIONS=$(mktemp -d)
trap 'rm -rf "$COMPLETIONS"' EXIT
for shell in bash zsh fish; do
    "$BINARY" --generate-completion-script "$shell" >"$COMPLETIONS/$shell"
done

$sudo install -D -m 0755 "$BINARY" "$ROOT/bin/wamedia"
$sudo install -D -m 0644 "$MANUAL" "$ROOT/share/man/man1/wamedia.1"
$sudo install -D -m 0644 "$COMPLETIONS/bash" "$ROOT/share/bash-completion/completions/wamedia"
$sudo install -D -m 0644 "$COMPLETIONS/zsh" "$ROOT/share/zsh/site-functions/_wamedia"
$sudo install -D -m 0644 "$COMPLETIONS/fish" "$ROOT/share/fish/vendor_completions.d/wamedia.fish"

echo "installed wamedia $("$ROOT/bin/wamedia" --version) in $ROOT/bin, with its man page and bash, zsh and fish completions" >&2
case ":$PATH:" in
*":$PREFIX/bin:"*) ;;
*) echo "note: $PREFIX/bin is not on PATH; add it to run 'wamedia'" >&2 ;;
esac
