"""The results store of a sweep: Parquet files that are the truth, a DuckDB catalogue that is a cache.

A store is a directory::

    DIR/store.json                     what sweep this is: spec hash, runs, varied keys, versions
    DIR/spec.toml                      the spec as given (the text the hash was taken of)
    DIR/runs/0000/0000042.run.parquet  run 42's summary row (written last: its presence = run done)
    DIR/runs/0000/0000042.ts.parquet   run 42's time series (when the spec keeps time series)
    DIR/catalog.duckdb                 table ``runs``: every summary row, for SQL
    DIR/previous/<time>/               an earlier sweep set aside by ``--new``

Each file is written atomically (:func:`uprising.output.atomic_path`: a temporary file, then
``os.replace``), so a reader never sees half a file and a killed sweep leaves only whole runs.
Only the main process writes; workers return frames. The catalogue is rebuilt from the files
whenever it lags them (:meth:`Store.catalogue`), so a kill between writing a run's file and
cataloguing it loses nothing, and a run is never catalogued twice (rows are keyed by run_id).

Queries (``uprising results DIR "SQL"``, :meth:`Store.query`) see table ``runs`` and, when time
series were kept, view ``timeseries``. While a sweep holds the catalogue open for writing,
queries read the Parquet files directly instead — the same tables, always current.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import json
import os
import re
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import polars as pl

from uprising.errors import UserError
from uprising.output import atomic_path, write_json, write_text

FORMAT = 1
META = "store.json"
SPEC = "spec.toml"
RUNS = "runs"
CATALOG = "catalog.duckdb"
LOCK = ".lock"
PREVIOUS = "previous"
_RUN_FILE = re.compile(r"^(\d+)\.run\.parquet$")
_PER_DIR = 1000


def _write_parquet_fast(path: Path, frame: pl.DataFrame) -> None:
    # Atomic like uprising.output.write_parquet; statistics off and light compression keep
    # thousands of one-row files cheap.
    with atomic_path(path) as tmp:
        frame.write_parquet(tmp, compression="zstd", compression_level=1, statistics=False)


class Store:
    """A results directory. ``Store(DIR)`` opens one for reading; :meth:`prepare` makes one for a spec."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self._con: Any = None
        self._pending: list[pl.DataFrame] = []
        self._lock_fd: int | None = None

    # -- layout -------------------------------------------------------------------------------
    def run_path(self, run_id: int) -> Path:
        return self.root / RUNS / f"{run_id // _PER_DIR:04d}" / f"{run_id:07d}.run.parquet"

    def timeseries_path(self, run_id: int) -> Path:
        return self.root / RUNS / f"{run_id // _PER_DIR:04d}" / f"{run_id:07d}.ts.parquet"

    @property
    def meta(self) -> dict[str, Any]:
        path = self.root / META
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            raise UserError(str(self.root), None, "not a results store (no store.json); "
                            "make one with `uprising sweep SPEC --out DIR`") from None
        except (OSError, ValueError) as e:
            raise UserError(str(path), None, f"unreadable store metadata: {e}") from None

    def exists(self) -> bool:
        return (self.root / META).is_file()

    # -- creating and checking ------------------------------------------------------------------
    @classmethod
    def prepare(cls, root: str | Path, spec: Any, *, new: bool = False) -> Store:
        """The store for ``spec`` in ``root``: created if absent, reopened if it holds the same
        spec; a different spec is refused (one line). ``new`` sets whatever ``root`` holds aside
        in ``root/previous/<time>/`` and starts over."""
        store = cls(root)
        if store.root.exists() and not store.root.is_dir():
            raise UserError(str(store.root), None, "exists and is not a directory; give --out a directory")
        store.root.mkdir(parents=True, exist_ok=True)
        store.lock()
        store._sweep_temporaries()
        if store.exists():
            meta = store.meta
            if new:
                store._set_aside()
            elif meta.get("spec_hash") != spec.hash:
                store.unlock()
                raise UserError(
                    str(store.root), None,
                    f"holds the results of a different spec (sweep '{meta.get('name')}', "
                    f"{meta.get('runs')} runs) than {spec.label}; give --new to set them aside "
                    f"in {PREVIOUS}/ and start over, or choose another --out",
                )
        elif any(p for p in store.root.iterdir() if p.name not in (LOCK, PREVIOUS)) and not new:
            store.unlock()
            raise UserError(str(store.root), None, "exists and is not a results store; "
                            "give an empty or new directory to --out (or --new to set its contents aside)")
        elif new:
            store._set_aside()
        if not store.exists():
            from uprising import __version__

            write_text(store.root / SPEC, spec.text)
            write_json(store.root / META, {
                "format": FORMAT,
                "name": spec.name,
                "spec": spec.label,
                "spec_hash": spec.hash,
                "runs": spec.n_runs,
                "points": len(spec.points),
                "seeds": spec.model.sweep.seeds,
                "varied": spec.varied,
                "timeseries": spec.model.outputs.timeseries,
                "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                "uprising": __version__,
            })
        return store

    def _sweep_temporaries(self) -> None:
        """Remove temporary files a killed writer left (never under a final name; we hold the lock)."""
        runs = self.root / RUNS
        if runs.is_dir():
            for tmp in runs.glob("*/.*.tmp"):
                tmp.unlink(missing_ok=True)

    def _set_aside(self) -> None:
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        target = self.root / PREVIOUS / stamp
        target.mkdir(parents=True, exist_ok=True)
        self.close()
        for entry in list(self.root.iterdir()):
            if entry.name in (LOCK, PREVIOUS):
                continue
            shutil.move(str(entry), str(target / entry.name))

    def lock(self) -> None:
        """Hold the store for writing; one sweep at a time (released by the OS if killed)."""
        if self._lock_fd is not None:
            return
        fd = os.open(self.root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise UserError(str(self.root), None, "another sweep is writing to this store; "
                            "wait for it to finish (or choose another --out)") from None
        self._lock_fd = fd

    def unlock(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    # -- the files (the truth) -------------------------------------------------------------------
    def run_files(self) -> dict[int, Path]:
        """``run_id -> path`` of every finished run (ok or failed) on disk."""
        out: dict[int, Path] = {}
        runs = self.root / RUNS
        if not runs.is_dir():
            return out
        for sub in runs.iterdir():
            if not sub.is_dir():
                continue
            for entry in os.scandir(sub):
                m = _RUN_FILE.match(entry.name)
                if m:
                    out[int(m.group(1))] = Path(entry.path)
        return out

    def finished(self) -> set[int]:
        return set(self.run_files())

    def write(self, result: Any) -> None:
        """Write one run's files (time series first, summary last) and queue it for the catalogue."""
        if result.timeseries is not None:
            _write_parquet_fast(self.timeseries_path(result.run_id), result.timeseries)
        _write_parquet_fast(self.run_path(result.run_id), result.summary)
        self._pending.append(result.summary)

    # -- the catalogue (a cache of the files) -------------------------------------------------
    def _connect(self) -> Any:
        import duckdb

        if self._con is None:
            path = self.root / CATALOG
            writer = self._lock_fd is not None
            deadline = time.monotonic() + (15.0 if writer else 0.0)
            while True:
                try:
                    self._con = duckdb.connect(str(path))
                    break
                except duckdb.IOException:
                    # Held by a reader in another process: a sweep waits for it; a reader falls back.
                    if time.monotonic() >= deadline:
                        raise
                    time.sleep(0.2)
                except duckdb.Error:
                    if not writer:
                        raise
                    # A catalogue that cannot be opened is rebuilt (we hold the store's lock): the
                    # files are the truth.
                    path.unlink(missing_ok=True)
                    Path(str(path) + ".wal").unlink(missing_ok=True)
        return self._con

    def _has_runs_table(self, con: Any) -> bool:
        return bool(con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'runs' AND table_schema = 'main'"
        ).fetchone()[0])

    def _insert(self, con: Any, relation_sql: str, params: list[Any] | None = None) -> None:
        """Upsert the rows of ``relation_sql`` into ``runs`` by run_id, adding new columns first."""
        con.execute(f"CREATE OR REPLACE TEMP TABLE incoming AS {relation_sql}", params or [])
        if not self._has_runs_table(con):
            con.execute("CREATE TABLE runs AS SELECT * FROM incoming")
        else:
            have = {r[0] for r in con.execute("DESCRIBE runs").fetchall()}
            for name, ctype, *_ in con.execute("DESCRIBE incoming").fetchall():
                if name not in have:
                    con.execute(f'ALTER TABLE runs ADD COLUMN "{name}" {ctype}')
            con.execute("DELETE FROM runs WHERE run_id IN (SELECT run_id FROM incoming)")
            con.execute("INSERT INTO runs BY NAME SELECT * FROM incoming")
        con.execute("DROP TABLE incoming")

    def flush(self) -> None:
        """Catalogue the runs written since the last flush (one transaction)."""
        if not self._pending:
            return
        frame = pl.concat(self._pending, how="diagonal_relaxed")
        self._pending = []
        con = self._connect()
        con.register("pending_frame", frame.to_arrow())
        try:
            con.execute("BEGIN")
            self._insert(con, "SELECT * FROM pending_frame")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        finally:
            con.unregister("pending_frame")

    def catalogue(self) -> dict[str, int]:
        """Bring the catalogue level with the files: add runs it lacks, drop runs with no file.

        Returns ``{"added": n, "removed": m}``.
        """
        files = self.run_files()
        con = self._connect()
        known: set[int] = set()
        if self._has_runs_table(con):
            known = {r[0] for r in con.execute("SELECT run_id FROM runs").fetchall()}
        missing = sorted(set(files) - known)
        extra = sorted(known - set(files))
        con.execute("BEGIN")
        try:
            for start in range(0, len(missing), 2000):
                paths = [str(files[i]) for i in missing[start : start + 2000]]
                self._insert(con, "SELECT * FROM read_parquet(?, union_by_name = true)", [paths])
            if extra:
                con.execute("DELETE FROM runs WHERE run_id IN (SELECT unnest(?))", [extra])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        return {"added": len(missing), "removed": len(extra)}

    def close(self) -> None:
        if self._con is not None:
            with contextlib.suppress(Exception):
                self.flush()
            self._con.close()
            self._con = None

    # -- reading -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def reader(self) -> Iterator[Any]:
        """A DuckDB connection with ``runs`` (and ``timeseries``) to query.

        The catalogue is brought level with the files first; if a running sweep holds it, an
        in-memory database reads the Parquet files instead.
        """
        import duckdb

        self.meta  # noqa: B018 - a clear error for a directory that is not a store
        con = None
        if self._con is not None:
            self.flush()
            con, own = self._con, False
        else:
            own = True
            try:
                self._connect()
                self.catalogue()
                con = self._con
            except duckdb.Error:  # locked by a sweep in another process (or unreadable): read the files
                if self._con is not None:
                    with contextlib.suppress(Exception):
                        self._con.close()
                self._con = None
                con = duckdb.connect(":memory:")
                files = [str(p) for p in self.run_files().values()]
                if files:
                    con.execute("CREATE TEMP TABLE runs AS SELECT * FROM read_parquet(?, union_by_name = true)", [files])
        ts_glob = str(self.root / RUNS / "*" / "*.ts.parquet")
        has_ts = any((self.root / RUNS).glob("*/*.ts.parquet")) if (self.root / RUNS).is_dir() else False
        if has_ts:
            con.execute(f"CREATE OR REPLACE TEMP VIEW timeseries AS SELECT * FROM read_parquet('{_sql_str(ts_glob)}', union_by_name = true)")
        try:
            yield con
        finally:
            if has_ts:
                with contextlib.suppress(Exception):
                    con.execute("DROP VIEW IF EXISTS timeseries")
            if own:
                con.close()
                self._con = None

    def query(self, sql: str) -> pl.DataFrame:
        """Run ``sql`` over ``runs`` (and ``timeseries``); a polars frame."""
        import duckdb

        with self.reader() as con:
            try:
                relation = con.sql(sql)
                return pl.DataFrame() if relation is None else relation.pl()
            except duckdb.CatalogException as e:
                if "runs" in str(e) and not self.run_files():
                    raise UserError(str(self.root), None, "no finished runs yet; nothing to query") from None
                raise UserError(str(self.root), "SQL", _one_line(e)) from None
            except (duckdb.ParserException, duckdb.BinderException, duckdb.ConversionException,
                    duckdb.InvalidInputException) as e:
                raise UserError(str(self.root), "SQL", _one_line(e)) from None

    def runs(self, status: str | None = None) -> pl.DataFrame:
        """Every catalogued run's summary row, by run_id (``status``: only "ok" or "failed")."""
        files = self.run_files()
        if not files:
            return pl.DataFrame()
        where = f"WHERE status = '{_sql_str(status)}'" if status else ""
        return self.query(f"SELECT * FROM runs {where} ORDER BY run_id")

    def timeseries(self, run_ids: Iterable[int] | None = None) -> pl.DataFrame:
        """The kept time series (all runs, or ``run_ids``), by run_id then step and place."""
        files = self.run_files()
        ids = sorted(files if run_ids is None else set(run_ids) & set(files))
        paths = [self.timeseries_path(i) for i in ids]
        paths = [p for p in paths if p.is_file()]
        if not paths:
            return pl.DataFrame()
        return pl.concat([pl.read_parquet(p) for p in paths], how="diagonal_relaxed")

    def status(self) -> dict[str, Any]:
        """Planned, finished, ok and failed run counts."""
        meta = self.meta
        files = self.run_files()
        failed = 0
        if files:
            failed = int(self.query("SELECT count(*) AS n FROM runs WHERE status <> 'ok'")["n"][0])
        return {"name": meta.get("name"), "planned": meta.get("runs"), "finished": len(files),
                "ok": len(files) - failed, "failed": failed, "varied": meta.get("varied", [])}

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
        self.unlock()


def _sql_str(text: str) -> str:
    return text.replace("'", "''")


def _one_line(e: Exception) -> str:
    return " ".join(str(e).split())


def open_store(root: str | Path) -> Store:
    """A store for reading (``Store(root)``, checked to be one)."""
    store = Store(root)
    store.meta  # noqa: B018
    return store


__all__ = ["Store", "open_store"]
