#!/usr/bin/env bash
# Smoke-test a built bundle: it runs, its GUI comes up and stays up, and (with Xvfb and
# ImageMagick installed) a screenshot of the real window is written.
#
#   packaging/smoke.sh [APP] [PATH-TO-OPEN]
#
# APP defaults to /tmp/medpose-build/cpu/dist/medpose-gui/medpose-gui. Screenshot and logs go
# to ${SMOKE_OUT:-/tmp/medpose-smoke-out}. Exit status 0 when every step passed.
set -uo pipefail

APP="${1:-/tmp/medpose-build/cpu/dist/medpose-gui/medpose-gui}"
OPEN="${2:-}"
OUT="${SMOKE_OUT:-/tmp/medpose-smoke-out}"
WAIT_S="${SMOKE_WAIT_S:-20}"
mkdir -p "$OUT"
# A settings file of its own: no first-run note over the window, the user's settings untouched.
printf '[General]\nfirst_run_done=true\n' > "$OUT/settings.ini"
export MEDPOSE_SETTINGS="$OUT/settings.ini"
fail=0

echo "== $APP --version / --help"
"$APP" --version || fail=1
QT_QPA_PLATFORM=offscreen "$APP" --help > "$OUT/help.txt" || fail=1
grep -q "infer" "$OUT/help.txt" || { echo "help lists no sub-commands"; fail=1; }

echo "== GUI, offscreen, ${WAIT_S}s"
QT_QPA_PLATFORM=offscreen timeout "$WAIT_S" "$APP" $OPEN > "$OUT/offscreen.log" 2>&1
rc=$?
if [[ $rc -eq 124 ]]; then echo "still running after ${WAIT_S}s: ok"
else echo "GUI exited early (status $rc):"; tail -n 20 "$OUT/offscreen.log"; fail=1; fi

if command -v xvfb-run >/dev/null && command -v import >/dev/null; then
    echo "== GUI under Xvfb (xcb), screenshot"
    xvfb-run -a -s "-screen 0 1600x1000x24" bash -c '
        env -u QT_QPA_PLATFORM "$0" $1 > "$2/xvfb.log" 2>&1 & pid=$!
        sleep "$3"
        xwininfo -root -tree 2>/dev/null | grep -i "medpose-gui\"" | head -n 3
        import -window root "$2/screenshot.png"
        kill -0 $pid 2>/dev/null && alive=1 || alive=0
        kill $pid 2>/dev/null; wait $pid 2>/dev/null
        [[ $alive == 1 ]]' "$APP" "$OPEN" "$OUT" "$WAIT_S" \
        && echo "screenshot: $OUT/screenshot.png" \
        || { echo "GUI under Xvfb failed:"; tail -n 20 "$OUT/xvfb.log"; fail=1; }
else
    echo "(no xvfb-run/import: skipping the screenshot; apt-get install xvfb imagemagick x11-utils)"
fi

[[ $fail == 0 ]] && echo "smoke: passed" || echo "smoke: FAILED"
exit $fail
