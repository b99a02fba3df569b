"""Execute a notebook with a real Jupyter kernel (nbclient) and fail on the
first cell that raises:  python scripts/run-notebook.py NOTEBOOK [TIMEOUT_S]

The notebook runs in its own directory; outputs are not written back."""

import sys
import time
from pathlib import Path

import nbclient
import nbformat


def main() -> int:
    path = Path(sys.argv[1])
    timeout = int(sys.argv[2]) if len(sys.argv) > 2 else 600
    nb = nbformat.read(path, as_version=4)
    t0 = time.monotonic()
    client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as e:
        print(f"{path}: a cell failed:\n{e}", file=sys.stderr)
        return 1
    n = sum(1 for c in nb.cells if c.cell_type == "code")
    print(f"{path}: {n} code cells ran in {time.monotonic() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
