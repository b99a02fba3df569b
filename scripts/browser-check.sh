#!/usr/bin/env bash
# The web app in a real browser: build the site (scripts/build-site.sh),
# serve it with `woundsim serve`, and drive Debian's headless Chromium with
# Selenium (scripts/browser_check.py):
#
#   scripts/browser-check.sh            # the checks (CI runs this)
#   scripts/browser-check.sh --bench    # also measure speed and size
#
# Installs what it needs when missing: chromium and chromium-driver (apt, as
# root), and selenium and pillow into a virtual environment kept in
# target/browser-venv. Writes target/site-check/ (screenshot.png, the
# downloads, the CLI runs it compares with, bench.json with --bench).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
say() { echo "browser-check: $*" >&2; }
SELENIUM_VERSION=4.51.0
PILLOW_VERSION=13.0.0

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing Debian's chromium and chromium-driver"
    [ "$(id -u)" -eq 0 ] || { say "FAIL: need root to install packages"; exit 1; }
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

VENV=target/browser-venv
if ! "$VENV/bin/python" -c "import selenium, PIL; assert selenium.__version__ == '$SELENIUM_VERSION'" 2>/dev/null; then
    say "virtual environment with selenium $SELENIUM_VERSION and pillow in $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        "selenium==$SELENIUM_VERSION" "pillow==$PILLOW_VERSION"
fi

bash scripts/build-site.sh target/site
say "building the CLI (target/release/woundsim)"
cargo build --release --bin woundsim

"$VENV/bin/python" scripts/browser_check.py --bin target/release/woundsim --site target/site \
    --out target/site-check "$@"
