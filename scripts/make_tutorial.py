"""Write docs/tutorial.ipynb from its readable source, scripts/tutorial.py (percent format).

    .venv/bin/python scripts/make_tutorial.py            # rewrite docs/tutorial.ipynb (no outputs)
    .venv/bin/python scripts/make_tutorial.py --check    # exit 1 if the notebook is not its source's
    .venv/bin/python scripts/make_tutorial.py --execute results/tutorial.ipynb   # run it, keep outputs

The source is plain Python: ``# %%`` starts a code cell, ``# %% [markdown]`` a markdown cell whose
lines are comments (``# `` stripped). ``python scripts/tutorial.py`` runs the whole tutorial as a
script. The committed notebook has no outputs; tests/test_tutorial.py executes it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "scripts" / "tutorial.py"
NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"
KERNEL = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def cells(text: str) -> list[tuple[str, str]]:
    """(kind, source) of each cell of a percent-format source; kind is "code" or "markdown"."""
    out: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("# %%"):
            out.append(("markdown" if "[markdown]" in line else "code", []))
        elif out:
            out[-1][1].append(line)
        elif line.strip():
            raise SystemExit(f"{SOURCE.name}: text before the first '# %%' cell marker: {line!r}")
    result = []
    for kind, lines in out:
        if kind == "markdown":
            bad = [ln for ln in lines if ln.strip() and not ln.startswith("#")]
            if bad:
                raise SystemExit(f"{SOURCE.name}: a markdown cell line is not a comment: {bad[0]!r}")
            lines = [ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in lines]
        result.append((kind, "\n".join(lines).strip("\n")))
    return result


def build(text: str) -> nbformat.NotebookNode:
    """The notebook of a percent-format source, without outputs, with stable cell ids."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": KERNEL, "language_info": {"name": "python"}}
    for i, (kind, source) in enumerate(cells(text)):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        cell = make(source)
        cell.id = f"cell-{i:02d}"  # stable ids: regenerating changes nothing
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def render(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


def execute(nb: nbformat.NotebookNode, cwd: Path, timeout: int = 600) -> nbformat.NotebookNode:
    """Run every cell with the ipykernel of this Python (nbclient); outputs kept in ``nb``."""
    import tempfile

    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory(prefix="uprising-kernel-") as sockets:
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(cwd)}}, km=local_kernel_manager(sockets))
        client.execute()
    return nb


def local_kernel_manager(sockets: str | Path, kernel_name: str = "python3"):
    """A kernel manager whose kernel talks over Unix sockets (IPC) in the folder ``sockets``, not
    over TCP: a kernel on TCP without CurveZMQ keys warns that its traffic is not encrypted
    (ipykernel's kernelapp); a kernel on this machine needs local sockets only."""
    import os

    from jupyter_client.manager import AsyncKernelManager

    return AsyncKernelManager(kernel_name=kernel_name, transport="ipc", ip=os.path.join(str(sockets), "kernel"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/tutorial.ipynb differs from its source")
    parser.add_argument("--execute", type=Path, metavar="OUT.ipynb", help="run the notebook and write it with outputs")
    args = parser.parse_args(argv)
    nb = build(SOURCE.read_text(encoding="utf-8"))
    text = render(nb)
    if args.check:
        current = NOTEBOOK.read_text(encoding="utf-8") if NOTEBOOK.exists() else ""
        if current != text:
            print(f"{NOTEBOOK.relative_to(ROOT)} is not built from {SOURCE.relative_to(ROOT)}; "
                  "run: python scripts/make_tutorial.py", file=sys.stderr)
            return 1
        print(f"{NOTEBOOK.relative_to(ROOT)} is up to date")
        return 0
    if args.execute:
        args.execute.parent.mkdir(parents=True, exist_ok=True)
        executed = execute(nb, args.execute.parent)
        args.execute.write_text(render(executed), encoding="utf-8")
        print(f"wrote {args.execute} (executed)")
        return 0
    NOTEBOOK.write_text(text, encoding="utf-8")
    print(f"wrote {NOTEBOOK.relative_to(ROOT)} ({len(nb.cells)} cells, no outputs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
