"""Experiment pages (placeholder until written)."""
from __future__ import annotations

from pathlib import Path


def experiment_kind(out_dir: Path) -> str | None:
    return None


def experiment_page(out_dir: Path, kind: str):
    raise NotImplementedError
