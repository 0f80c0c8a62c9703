"""numba's compiled kernels live in a folder keyed by the whole source (uprising.kernel_cache)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from uprising.kernel_cache import PACKAGE, cache_folder, source_key


def test_any_edit_of_any_source_file_gives_a_new_key(tmp_path):
    tree = tmp_path / "pkg"
    shutil.copytree(PACKAGE / "engine", tree / "engine", ignore=shutil.ignore_patterns("__pycache__"))
    before = source_key(tree)
    assert source_key(tree) == before  # stable
    helper = tree / "engine" / "planes.py"  # a helper other kernels inline
    helper.write_text(helper.read_text() + "\n# an edit\n")
    assert source_key(tree) != before
    plain = tree / "engine" / "notes.py"  # a file without numba code does not count
    edited = source_key(tree)
    plain.write_text("WORDS = 1\n")
    assert source_key(tree) == edited


def test_the_folder_follows_numba_cache_dir_or_the_user_cache():
    assert cache_folder("abc", {"NUMBA_CACHE_DIR": "/x/y"}) == Path("/x/y/uprising-abc")
    assert cache_folder("abc", {"NUMBA_CACHE_DIR": "/x/y/uprising-abc"}) == Path("/x/y/uprising-abc")
    assert cache_folder("abc", {"XDG_CACHE_HOME": "/c"}) == Path("/c/uprising/numba-abc")
    # a worker process inherits the default folder in NUMBA_CACHE_DIR: it is ours, not a parent
    assert cache_folder("abc", {"NUMBA_CACHE_DIR": "/c/uprising/numba-abc"}) == Path("/c/uprising/numba-abc")


def test_kernels_are_cached_under_the_key_of_this_source(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    code = ("import uprising\nfrom uprising.engine import planes\n"
            "print(planes.build._cache._cache_path)")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith(str(tmp_path / f"uprising-{source_key()}"))


def test_only_the_most_recently_used_folders_are_kept(tmp_path):
    from uprising.kernel_cache import prune

    for i in range(6):
        folder = tmp_path / f"numba-{i:016x}"
        folder.mkdir()
        os.utime(folder, (1000 + i, 1000 + i))
    (tmp_path / "someone-else").mkdir()
    prune(tmp_path, keep=4)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["numba-0000000000000002", "numba-0000000000000003", "numba-0000000000000004",
                    "numba-0000000000000005", "someone-else"]


@pytest.mark.slow
def test_a_first_two_worker_sweep_compiles_into_one_folder_and_says_so(tmp_path):
    """Issue #22, 1: each worker inherited ``~/.cache/uprising/numba-<key>`` but recognised only
    ``uprising-<key>`` as its own, so it compiled every kernel again into a folder nested inside."""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    uprising = Path(sys.executable).with_name("uprising")
    command = [str(uprising), "sweep", "legitimacy-by-cops", "--seeds", "1", "--steps", "20", "-w", "2",
               "--out", str(tmp_path / "out")]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    folders = list((tmp_path / "cache" / "uprising").iterdir())
    assert len(folders) == 1 and folders[0].name.startswith("numba-")  # numba-<source key>
    nested = [p for p in folders[0].rglob("*") if p.is_dir() and p.name.startswith(("numba-", "uprising-"))]
    assert nested == []
    assert "compiling kernels in 2 worker processes" in first.stderr
    assert "kernels in" in first.stderr.split("compiling kernels in 2 worker processes", 1)[1]
    compiled = {p: p.stat().st_mtime_ns for p in folders[0].rglob("*") if p.is_file()}
    assert any(p.suffix == ".nbc" for p in compiled)
    # run again: the workers load every kernel, compile none (no cache file rewritten), say nothing of it
    again = subprocess.run(command + ["--new"], env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "compiling" not in again.stderr
    assert {p: p.stat().st_mtime_ns for p in folders[0].rglob("*") if p.is_file()} == compiled
