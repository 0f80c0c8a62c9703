"""docs/tutorial.ipynb: built from scripts/tutorial.py, committed without outputs, and executed here
cell by cell with nbclient on an ipykernel running this very Python (the venv's)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"


def test_the_notebook_is_built_from_its_source_and_has_no_outputs():
    check = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_tutorial.py"), "--check"],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) >= 10
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert nb.metadata["kernelspec"]["name"] == "python3"


def _kernel_of_this_python(root: Path) -> Path:
    """A `python3` kernelspec running sys.executable, first on JUPYTER_PATH: a user-wide python3
    kernel of another Python can never be picked instead (a fresh clone needs nothing installed)."""
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)", "language": "python"}), encoding="utf-8")
    return root


def local_kernel_manager(sockets: Path):
    """The kernel on Unix sockets (IPC) in ``sockets``, as scripts/make_tutorial.py runs it: on
    TCP without CurveZMQ keys ipykernel warns that its traffic is not encrypted."""
    from jupyter_client.manager import AsyncKernelManager

    sockets.mkdir(parents=True, exist_ok=True)
    return AsyncKernelManager(kernel_name="python3", transport="ipc", ip=str(sockets / "kernel"))


def _text(output) -> str:
    if output.output_type == "stream":
        return output.text
    data = output.get("data", {})
    return data.get("text/plain", "") + data.get("text/html", "")


def test_the_tutorial_runs_every_cell_and_shows_the_validation_verdict(tmp_path, monkeypatch, capfd):
    from nbclient import NotebookClient

    monkeypatch.setenv("JUPYTER_PATH", str(_kernel_of_this_python(tmp_path / "jupyter")))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print('kernel python:', sys.executable)"))
    work = tmp_path / "work"
    work.mkdir()
    started = time.perf_counter()
    # Raises CellExecutionError, naming the cell and its traceback, when any cell fails. The timeout
    # is per cell: with numba's cache cold the first cells compile the engine (~100 s of CPU).
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(work)}},
                   km=local_kernel_manager(tmp_path / "sockets")).execute()
    seconds = time.perf_counter() - started
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    text = "\n".join(_text(o) for c in code for o in c.outputs)
    assert f"kernel python: {sys.executable}" in text
    # the validation's verdict table and its count of targets met
    assert "phases in the record's order" in text and "wanted" in text
    assert re.search(r"targets met: \d+ of \d+; composite skill against the baseline: -?\d\.\d{3}", text)
    # the inline view of a Simulation, once for the classic run and once for the episode
    assert text.count('class="uprising-simulation"') == 2
    pngs = sum(1 for c in code for o in c.outputs if "image/png" in o.get("data", {}))
    shows = sum(c.source.count("plt.show()") for c in code)
    assert shows >= 5 and pngs == shows, (pngs, shows)  # every plt.show() drew inline
    assert not list(work.iterdir()), "the tutorial writes only to a temporary folder"
    # issue #22, 19: the kernel talks over local sockets, so it does not warn that TCP is unencrypted
    kernel_log = capfd.readouterr().err
    assert "without encryption" not in kernel_log
    # the compare cell says what it left out and how to read n; the notebook names the live viewer
    assert "left out of the table:" in text
    assert "`uprising serve" in "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    print(f"tutorial: {len(code)} code cells in {seconds:.1f} s")
