#!/usr/bin/env bash
# Build the one-folder medpose-gui bundle with PyInstaller and report its size and build time.
#
#   packaging/build.sh                     # full bundle (CUDA libraries included)
#   MEDPOSE_CPU_ONLY=1 packaging/build.sh  # CPU-only bundle (see packaging/README.md)
#
# Output: $MEDPOSE_BUILD_DIR/<variant>/dist/medpose-gui/ (default /tmp/medpose-build), kept
# out of the repository. Run from anywhere; uses the `python` on PATH and its packages.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python}"
VARIANT=full
if [[ "${MEDPOSE_CPU_ONLY:-0}" != "0" && -n "${MEDPOSE_CPU_ONLY:-}" ]]; then VARIANT=cpu; fi
OUT="${MEDPOSE_BUILD_DIR:-/tmp/medpose-build}/$VARIANT"

if ! "$PYTHON" -c "import PyInstaller" 2>/dev/null; then
    echo "installing pyinstaller..."
    "$PYTHON" -m pip install --quiet "pyinstaller>=6.11"
fi
# The app's own dependencies must be importable by this interpreter (PyInstaller bundles
# what it finds installed): pip install -e "$ROOT" (or pip install "$ROOT") first.
"$PYTHON" -c "import medpose_gui, PySide6, torch, torchvision, timm, pyqtgraph, av, cv2" \
    || { echo "error: install medpose-gui's dependencies first: pip install -e $ROOT" >&2; exit 2; }

mkdir -p "$OUT"
echo "building $VARIANT bundle into $OUT (log: $OUT/build.log)"
start=$(date +%s)
cd "$ROOT"
if ! "$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
        --distpath "$OUT/dist" --workpath "$OUT/work" packaging/medpose-gui.spec \
        >"$OUT/build.log" 2>&1; then
    tail -n 40 "$OUT/build.log" >&2
    echo "error: PyInstaller failed; full log in $OUT/build.log" >&2
    exit 1
fi
end=$(date +%s)
APP="$OUT/dist/medpose-gui"

grep "medpose-gui.spec:" "$OUT/build.log" || true
echo "variant:    $VARIANT"
echo "build time: $((end - start)) s"
echo "bundle:     $(du -sh "$APP" | cut -f1)  $APP"
echo "largest parts:"
{ du -sh "$APP"/_internal/* 2>/dev/null | sort -rh | head -n 8 | sed "s/^/  /"; } || true  # head closes the pipe early (SIGPIPE)
# Quick check that the frozen program runs (no display needed for --version).
"$APP/medpose-gui" --version
