"""Shared fixtures: the CLI binary and one small CLI run directory."""

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

#: A small scenario (100 x 80 voxels) with a snapshot on day 2, as CLI
#: ``--set`` overrides and as the Python overrides dict.
SMALL = {
    "domain.width_um": 2000,
    "domain.height_um": 1600,
    "wound.diameter_um": 1200,
    "output.snapshot_days": [2],
}
SMALL_SETS = [
    "domain.width_um=2000",
    "domain.height_um=1600",
    "wound.diameter_um=1200",
    "output.snapshot_days=[2]",
]
DAYS = 3
SEED = 5


@pytest.fixture(scope="session")
def cli() -> Path:
    """The built CLI (``WOUNDSIM_BIN`` or ``target/release/woundsim``)."""
    exe = Path(os.environ.get("WOUNDSIM_BIN", REPO / "target" / "release" / "woundsim"))
    if not exe.is_file():
        pytest.fail(f"{exe} not found: build it with `cargo build --release` (or set WOUNDSIM_BIN)")
    return exe


def cli_run(cli: Path, out: Path, *args: str) -> Path:
    """Run ``woundsim run`` into ``out`` and return it."""
    cmd = [str(cli), "--quiet", "run", *args, "--out", str(out), "--no-plots"]
    subprocess.run(cmd, check=True, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return out


@pytest.fixture(scope="session")
def small_run_dir(cli, tmp_path_factory) -> Path:
    """The small scenario run by the CLI (days 3, seed 5, snapshots on days 0 and 2)."""
    out = tmp_path_factory.mktemp("cli") / "small"
    sets = [a for s in SMALL_SETS for a in ("--set", s)]
    return cli_run(cli, out, "--days", str(DAYS), "--seed", str(SEED), *sets)


@pytest.fixture(scope="session")
def small_3d_run_dir(cli, tmp_path_factory) -> Path:
    """The shipped 3D strip (dfu-3d) cut to a 3 mm strip with a 2 mm wound,
    2 days, snapshots on days 0 and 1 and 2 (seed 5)."""
    out = tmp_path_factory.mktemp("cli") / "small3d"
    sets = ["domain.width_um=3000", "wound.diameter_um=2000", "output.snapshot_days=[1]"]
    return cli_run(cli, out, "dfu-3d", "--days", "2", "--seed", str(SEED),
                   *[a for s in sets for a in ("--set", s)])


@pytest.fixture(scope="session")
def cohort_dir(cli, tmp_path_factory) -> Path:
    """A CLI cohort of 3 replicates of the small scenario (2 days, seed 5)."""
    out = tmp_path_factory.mktemp("cli") / "cohort"
    sets = [a for s in SMALL_SETS[:3] for a in ("--set", s)]
    return cli_run(cli, out, "--days", "2", "--seed", str(SEED), "--replicates", "3", *sets)


@pytest.fixture(scope="session")
def comparison_dir(cli, tmp_path_factory) -> Path:
    """A CLI comparison of default and acute, 2 replicates each, 2 days."""
    out = tmp_path_factory.mktemp("cli") / "comparison"
    sets = [a for s in SMALL_SETS[:3] for a in ("--set", s)]
    cmd = [str(cli), "--quiet", "compare", "default", "acute", "--replicates", "2", "--days", "2",
           "--seed", str(SEED), *sets, "--out", str(out), "--no-plots"]
    subprocess.run(cmd, check=True, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return out


@pytest.fixture(scope="session")
def sweep_dir(cli, tmp_path_factory) -> Path:
    """The CLI's tiny factorial sweep (8 runs of 2 days) with time series."""
    out = tmp_path_factory.mktemp("cli") / "sweep"
    cmd = [str(cli), "--quiet", "sweep", "run", str(REPO / "examples" / "sweeps" / "tiny.toml"),
           "--timeseries", "--out", str(out)]
    subprocess.run(cmd, check=True, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return out
