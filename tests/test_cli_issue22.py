"""Issue #22's command-line items: a run never replaces another run's results (12), tables off a
terminal (13), a run stopped early beside the whole record (15), compare's table (9)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SMALL = ["--set", "grid.width=10", "--set", "grid.height=10"]


def uprising(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The real command, its stdout a pipe (not a terminal), as in a log or `| less`."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    return subprocess.run([sys.executable, "-m", "uprising", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=600)


def test_run_refuses_to_replace_a_different_run_unless_forced(tmp_path):
    first = uprising("run", "epstein-1", "--steps", "3", "-q", "--no-report", *SMALL, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    folder = tmp_path / "results" / "epstein-1"
    kept = (folder / "scenario.toml").read_text()
    same = uprising("run", "epstein-1", "--steps", "3", "-q", "--no-report", *SMALL, cwd=tmp_path)
    assert same.returncode == 0, same.stderr  # the same run again replaces its own results
    other = uprising("run", "epstein-1", "--steps", "3", "-q", "--no-report", *SMALL, "--set",
                     "citizen.legitimacy=0.7", cwd=tmp_path)
    assert other.returncode == 2 and other.stderr.count("\n") == 1
    assert other.stderr.startswith("results/epstein-1: holds the results of a different run")
    assert "--out" in other.stderr and "--force" in other.stderr
    assert (folder / "scenario.toml").read_text() == kept
    forced = uprising("run", "epstein-1", "--steps", "3", "-q", "--no-report", *SMALL, "--set",
                      "citizen.legitimacy=0.7", "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert "legitimacy = 0.7" in (folder / "scenario.toml").read_text()
    seed = uprising("run", "epstein-1", "--steps", "3", "-q", "--no-report", *SMALL, "--set",
                    "citizen.legitimacy=0.7", "--seed", "9", cwd=tmp_path)
    assert seed.returncode == 2  # another seed is another run


def test_tables_off_a_terminal_keep_whole_names_and_no_trailing_spaces(tmp_path):
    from uprising.experiments.budget import budget

    done = uprising("budget", "bolivia-2003", "--all", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert all(line == line.rstrip() for line in lines)
    assert "…" not in done.stdout
    rows = [line for line in lines if line.startswith("│")]
    for entry in budget("bolivia-2003")["entries"]:  # every name whole, on one line with its value
        assert any(f"│ {entry['key']} " in row and f" {entry['value']} " in row for row in rows), entry["key"]


def test_a_run_stopped_early_says_up_to_when_it_compares_with_the_record(tmp_path):
    done = uprising("run", "bolivia-2003", "--steps", "20", "--set", "world.scale=0.0005", "--no-report",
                    "--out", "b", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "b" / "summary.json").read_text())
    start, end = summary["start"], summary["end"]
    assert (summary["steps"], summary["hours_per_step"]) == (20, 6)  # 5 days
    last = f"{start[:8]}{int(start[8:10]) + 4:02d}"
    period = next(line for line in done.stdout.splitlines() if line.startswith("period"))
    assert re.search(rf"{start} to {last} \(20 × 6 h\)", period), period
    assert end not in period
    note = next(line for line in done.stdout.splitlines() if "stopped early" in line)
    assert f"compare up to {last} only" in note and end in note
    from uprising.cli.summary_view import last_day

    days = (int(end[8:10]) - int(start[8:10]) + 1) if end[:7] == start[:7] else None
    whole = dict(summary, steps=10**6)  # a run as long as its episode or longer ends on its end
    assert last_day(whole) == end and last_day(summary) == last
    assert days is None or last_day(dict(summary, steps=days * 4)) == end


@pytest.mark.slow
def test_compare_rounds_its_table(tmp_path):
    done = uprising("compare", "epstein-1", "--set", "citizen.legitimacy=0.7", "--runs", "3", "--steps", "20",
                    "--base-set", "grid.width=12", "--base-set", "grid.height=12", "-w", "1", "-q", "--out", "c",
                    cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    table = [line for line in done.stdout.splitlines() if line.startswith("│")]
    assert table and all(not re.search(r"\d\.\d{5,}", line) for line in table), table
    assert all(line == line.rstrip() for line in done.stdout.splitlines())


def test_the_readme_names_every_file_make_run_writes_and_orders_its_queries(tmp_path):
    """Issue #22, 21: `make run`'s command (at a small scale) against the README's list of files."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
    assert "$(BIN)/uprising run $(MAIN) --out results/$(MAIN)" in makefile and "MAIN   ?= bolivia-2003" in makefile
    done = uprising("run", "bolivia-2003", "--out", "results/bolivia-2003", "--set", "world.scale=0.0005", "-q",
                    cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    start = readme.index("`make run` runs `uprising run bolivia-2003 --out results/bolivia-2003`")
    paragraph = readme[start: readme.index("\n\n", start)]
    written = sorted(p.name for p in (tmp_path / "results" / "bolivia-2003").iterdir())
    assert written and all(f"`{name}`" in paragraph for name in written), (written, paragraph)
    for query in re.findall(r"SELECT[^\"]*", readme):
        if "GROUP BY" in query:
            assert "ORDER BY" in query, query
