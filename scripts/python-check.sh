#!/usr/bin/env bash
# Build the woundsim Python package from this checkout in a fresh virtual
# environment and run its tests (python/tests) against the CLI:
#
#   scripts/python-check.sh
#
# Steps: `python3 -m venv` in a temporary directory; pip installs the pinned
# build backend (maturin), the package's dependencies and what the tests
# and the notebook use (SALib, vtk, zarr, nbclient, ipykernel,
# matplotlib, pytest); `cargo build --release` for the CLI the tests
# compare with; `pip install ./python` (maturin builds the extension in
# release mode into the workspace's target/); pytest; the notebook
# examples/notebooks/tour.ipynb executed by nbclient with a real kernel.
# Exits non-zero when any step fails, when a test fails, when pytest
# collects no tests (its exit status 5) and when a notebook cell raises.
#
# Environment: PYTHON (default python3); PYTHON_CHECK_VENV to keep the venv
# at a path of your choice (default: a temporary directory, removed at exit).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
say() { echo "python-check: $*" >&2; }
MATURIN_VERSION=1.16.0
PY=${PYTHON:-python3}
T0=$(date +%s)

if [ -n "${PYTHON_CHECK_VENV:-}" ]; then
    VENV=$PYTHON_CHECK_VENV
    rm -rf "$VENV"
else
    TMP=$(mktemp -d)
    trap 'rm -rf "$TMP"' EXIT
    VENV=$TMP/venv
fi
say "fresh virtual environment in $VENV ($("$PY" --version))"
"$PY" -m venv "$VENV"
VPY=$VENV/bin/python
# The build backend runs the `maturin` executable from the venv.
export PATH="$VENV/bin:$PATH"
"$VPY" -m pip install --quiet --disable-pip-version-check \
    "maturin==$MATURIN_VERSION" numpy pandas xarray SALib pytest \
    nbclient nbformat ipykernel matplotlib vtk zarr

say "building the CLI (target/release/woundsim)"
cargo build --release --bin woundsim

say "pip install ./python"
# The backend is installed above, so no isolated build environment is needed.
"$VPY" -m pip install --quiet --disable-pip-version-check --no-build-isolation ./python

say "pytest python/tests"
set +e
# From the repository root, so the source tree python/woundsim (which has no
# compiled extension) cannot shadow the installed package.
WOUNDSIM_BIN="$ROOT/target/release/woundsim" "$VPY" -m pytest -p no:cacheprovider -q python/tests
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
    say "FAIL: pytest collected no tests"
    exit 1
elif [ "$rc" -ne 0 ]; then
    say "FAIL: pytest exit status $rc"
    exit "$rc"
fi
say "notebook examples/notebooks/tour.ipynb (nbclient, kernel python3)"
MPLBACKEND=Agg "$VPY" scripts/run-notebook.py examples/notebooks/tour.ipynb 600
say "ok ($(( $(date +%s) - T0 )) s)"
