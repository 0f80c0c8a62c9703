"""numba's compiled kernels live in a folder keyed by the whole source (uprising.kernel_cache)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

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
