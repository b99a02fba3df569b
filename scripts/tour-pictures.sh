#!/bin/sh
# Regenerates the pictures of the guided tour (docs/tour.md) after a model
# change: runs every command of the tour's shell blocks with the release
# binary, then copies the figures the tour shows into docs/tour/ and checks
# their size (at most 200 KB each, 1.5 MB in all).
#
#   scripts/tour-pictures.sh            # from anywhere in the repository
#
# Outputs of the runs go to results/tour/ (as in the tour). Takes a few
# minutes: about a dozen runs of 2 to 4 simulated weeks.
set -eu

cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-target}/release/woundsim"
TOUR=docs/tour.md

# The tour's commands: lines of ```sh blocks, continuation lines joined,
# comments and blank lines dropped; `cargo run --release --` and `woundsim`
# both become the release binary.
commands() {
    awk '/^```sh/ { inside = 1; next } /^```/ { inside = 0 } inside' "$TOUR" |
        sed -e ':a' -e '/\\$/N; s/\\\n[[:space:]]*/ /; ta' |
        grep -v '^[[:space:]]*#' | grep -v '^[[:space:]]*$'
}

commands | while IFS= read -r line; do
    case "$line" in
        "cargo run --release -- "*) cmd="\"$BIN\" ${line#cargo run --release -- }" ;;
        "woundsim "*) cmd="\"$BIN\" ${line#woundsim }" ;;
        *) echo "tour-pictures: not a woundsim command: $line" >&2; exit 1 ;;
    esac
    # Only the simulating commands have a progress bar to silence.
    case "$line" in
        *" -- run "* | "woundsim run "*) quiet=" --quiet" ;;
        *) quiet="" ;;
    esac
    echo "+ $line"
    eval "$cmd$quiet" > /dev/null
done

# Figure written by the tour -> picture in docs/tour/.
mkdir -p docs/tour
total=0
while read -r from to; do
    cp "results/tour/$from" "docs/tour/$to"
    size=$(wc -c < "docs/tour/$to")
    total=$((total + size))
    echo "docs/tour/$to: $((size / 1024)) KB"
    if [ "$size" -gt 204800 ]; then
        echo "tour-pictures: docs/tour/$to is larger than 200 KB" >&2
        exit 1
    fi
done <<'EOF'
default/plots/fieldmap_d002.0.png msc-death-map.png
msc-survival.png msc-survival.png
preconditioning.png preconditioning.png
cells-vs-vesicles.png cells-vs-vesicles.png
diabetic-stall.png diabetic-stall.png
vegf.png vegf.png
vegf-engineered-x10/plots/fieldmap_d014.0.png vegf-map.png
bolus-vs-hydrogel.png bolus-vs-hydrogel.png
iv-vs-topical.png iv-vs-topical.png
EOF
echo "total: $((total / 1024)) KB"
if [ "$total" -gt 1572864 ]; then
    echo "tour-pictures: the pictures add up to more than 1.5 MB" >&2
    exit 1
fi
