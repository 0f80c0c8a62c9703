"""Sweep specs: a TOML file saying which runs a batch makes.

.. code-block:: toml

    [sweep]
    name = "legitimacy-by-cops"
    scenario = "epstein-1"        # a shipped scenario, or a .toml path relative to this file
    seed = 2024                   # root seed: every run's seed is spawned from it
    seeds = 5                     # runs (replicates) per point
    steps = 300                   # optional: overrides the scenario's steps
    # schedule = "sequential"     # optional
    # common_seeds = false        # true: replicate r of every point shares one seed

    [set]                         # held fixed for every run (dotted scenario keys)
    "grid.width" = 40

    [grid]                        # lists: every combination is a point
    "citizen.legitimacy" = [0.7, 0.8, 0.9]
    "population.cop_density" = [0.02, 0.04]

    [sample]                      # ranges with a sampler (crossed with [grid] if both are given)
    method = "lhs"                # lhs | sobol | morris
    n = 32                        # lhs: points; sobol: base samples N; morris: trajectories
    # levels = 4                  # morris grid levels
    # second_order = false        # sobol: second-order indices too (n * (2d + 2) points)
    [sample.ranges]
    "citizen.jail_max" = [5, 60]

    [outputs]
    timeseries = false            # keep each run's time series too (summary metrics always)

    [sensitivity]                 # what `uprising sensitivity` analyses
    outputs = ["mean_active_fraction", "outbursts"]

Seeds: ``SeedSequence(seed).spawn(runs)``; run ``i`` takes child ``i`` (``common_seeds``: child
``replicate`` of ``spawn(seeds)``), so the numbers never depend on which worker ran what.
Run ids are ``point * seeds + replicate`` in the order the points are listed.

Mistakes raise :class:`~uprising.errors.UserError` with the spec file, its line, the key and
what is allowed — the same one-line messages the scenario loader gives.
"""

from __future__ import annotations

import hashlib
import json
import math
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from uprising.errors import UserError
from uprising.experiments import samplers

MAX_VALIDATED_POINTS = 20_000  # every point of a grid this size or smaller is validated up front
# Keys a sweep may not vary: the seed comes from the sweep's root seed; a preset is resolved once.
_NOT_VARIABLE = {"scenario.seed": "seeds come from [sweep] seed and seeds", "rules.preset": (
    "a preset is resolved with the base scenario; make one spec per preset, or vary the rule keys themselves")}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SweepInfo(_Section):
    name: str | None = Field(None, description="Name of the sweep (default: the spec file's name).")
    scenario: str = Field(..., description="Base scenario: a shipped name or a .toml path relative to the spec.")
    seed: int = Field(0, ge=0, description="Root seed; every run's seed is spawned from it.")
    seeds: int = Field(1, ge=1, le=1_000_000, description="Runs per point (replicates).")
    steps: int | None = Field(None, ge=0, le=10_000_000, description="Periods per run (default: the scenario's).")
    schedule: Literal["sequential", "synchronous"] | None = Field(None, description="Activation schedule.")
    common_seeds: bool = Field(False, description="Replicate r of every point shares one seed (common random numbers).")


class SampleSection(_Section):
    method: Literal["lhs", "sobol", "morris"] = Field(..., description="Sampler.")
    n: int = Field(..., ge=1, le=10_000_000, description="lhs: points; sobol: base samples; morris: trajectories.")
    levels: int = Field(4, ge=2, le=1000, description="Morris grid levels.")
    second_order: bool = Field(False, description="Sobol second-order indices.")
    ranges: dict[str, tuple[float, float]] = Field(..., description="key = [low, high].")

    @model_validator(mode="after")
    def _check(self) -> SampleSection:
        if not self.ranges:
            raise ValueError("give at least one range, e.g. \"citizen.legitimacy\" = [0.6, 0.95]")
        for key, (lo, hi) in self.ranges.items():
            if not (math.isfinite(lo) and math.isfinite(hi)) or not lo < hi:
                raise ValueError(f"range of '{key}' must be [low, high] with finite low < high, got [{lo:g}, {hi:g}]")
        if self.method == "sobol" and len(self.ranges) < 2:
            raise ValueError("sobol needs at least two ranges (SALib); use lhs or morris for one")
        return self


class Outputs(_Section):
    timeseries: bool = Field(False, description="Keep each run's time series as well as its summary metrics.")


class SensitivitySection(_Section):
    outputs: list[str] = Field(
        default_factory=lambda: ["mean_active_fraction", "peak_active_fraction", "outbursts", "mean_jailed"],
        description="Summary metrics to analyse.",
    )


class SweepSpec(_Section):
    sweep: SweepInfo
    set: dict[str, Any] = Field(default_factory=dict, description="Dotted scenario keys held fixed.")
    grid: dict[str, list[Any]] = Field(default_factory=dict, description="Dotted scenario keys and their values.")
    sample: SampleSection | None = None
    outputs: Outputs = Field(default_factory=Outputs)
    sensitivity: SensitivitySection = Field(default_factory=SensitivitySection)

    def varied_keys(self) -> list[str]:
        """Grid keys first, then sampled keys."""
        return [*self.grid, *(self.sample.ranges if self.sample else {})]

    @model_validator(mode="after")
    def _check(self) -> SweepSpec:
        for key, values in self.grid.items():
            if not values:
                raise ValueError(f"grid '{key}' is an empty list; give at least one value")
        both = set(self.grid) & set(self.sample.ranges if self.sample else {})
        if both:
            raise ValueError(f"'{sorted(both)[0]}' is both in [grid] and in [sample.ranges]; give it in one")
        fixed = set(self.set) & (set(self.grid) | set(self.sample.ranges if self.sample else {}))
        if fixed:
            raise ValueError(f"'{sorted(fixed)[0]}' is both held fixed in [set] and varied; give it in one")
        return self


@dataclass(frozen=True)
class RunPlan:
    """One run of a sweep: its id, point, replicate, seed and the varied parameters."""

    run_id: int
    point: int
    replicate: int
    seed: int
    params: dict[str, Any] = field(hash=False)


def spawn_seeds(root: int, n: int) -> list[int]:
    """``n`` independent 63-bit seeds from ``SeedSequence(root).spawn(n)`` (style.md item 7)."""
    children = np.random.SeedSequence(int(root)).spawn(int(n))
    return [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]


@dataclass
class Spec:
    """A loaded, validated sweep spec with its base scenario resolved."""

    model: SweepSpec
    label: str  # how the user named the file
    text: str  # the file's text, copied into the results store
    base: Any  # the resolved base Scenario ([set], steps and schedule applied)
    base_data: dict[str, Any]  # the same as plain data: what workers rebuild each run from
    points: list[dict[str, Any]]
    lines: dict[tuple, int] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return self.model.sweep.name or Path(self.label).stem

    @property
    def varied(self) -> list[str]:
        """The varied keys: grid keys first, then sampled keys."""
        return self.model.varied_keys()

    @property
    def n_runs(self) -> int:
        return len(self.points) * self.model.sweep.seeds

    def runs(self) -> list[RunPlan]:
        """Every run, in run-id order."""
        info = self.model.sweep
        per_point = info.seeds
        if info.common_seeds:
            shared = spawn_seeds(info.seed, per_point)
            seeds = [shared[i % per_point] for i in range(self.n_runs)]
        else:
            seeds = spawn_seeds(info.seed, self.n_runs)
        return [
            RunPlan(p * per_point + r, p, r, seeds[p * per_point + r], point)
            for p, point in enumerate(self.points)
            for r in range(per_point)
        ]

    def identity(self) -> dict[str, Any]:
        """What makes two specs the same sweep: everything but [sensitivity], with the base resolved."""
        from uprising.output import json_safe

        dump = self.model.model_dump(mode="json", exclude={"sensitivity"})
        return json_safe({"spec": dump, "base": self.base_data})

    @property
    def hash(self) -> str:
        text = json.dumps(self.identity(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def problem(self) -> dict[str, Any]:
        """SALib's problem for the sampled ranges."""
        if self.model.sample is None:
            raise UserError(self.label, "sample", "this spec samples no ranges; add a [sample] table with ranges")
        return samplers.problem(self.model.sample.ranges)

    def payload(self) -> dict[str, Any]:
        """What a worker needs to run any run of this sweep (plain data: picklable, machine-independent)."""
        return {"base": self.base_data, "timeseries": self.model.outputs.timeseries}


# --------------------------------------------------------------------------------------------
# Loading


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"citizen": {"legitimacy": [..]}}`` (bare dotted keys in TOML) -> ``{"citizen.legitimacy": [..]}``."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def _line(lines: Mapping[tuple, int], loc: tuple) -> int | None:
    flat: list[str] = []
    for part in loc:
        if isinstance(part, str):
            flat.extend(part.split("."))
    for n in range(len(flat), 0, -1):
        if tuple(flat[:n]) in lines:
            return lines[tuple(flat[:n])]
    return None


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def _model_field(loc: tuple):
    model: Any = SweepSpec
    info = None
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        info = model.model_fields.get(part) if hasattr(model, "model_fields") else None
        if info is None:
            return None
        inner = [a for a in (info.annotation, *typing.get_args(info.annotation)) if isinstance(a, type)]
        model = next((a for a in inner if issubclass(a, BaseModel)), None)
    return info


def _translate(error: ValidationError, label: str, lines: Mapping[tuple, int]) -> UserError:
    """pydantic's first error in a sweep spec, worded by ``scenarios.messages`` (unknown keys are the
    spec's, and the grid's and sample's lists have their own hint)."""
    from uprising.scenarios.messages import and_more, error_message

    first = error.errors()[0]
    loc, kind, value = tuple(first["loc"]), first["type"], first.get("input")
    if kind in ("list_type", "tuple_type", "too_short", "too_long") and len(loc) >= 2 and loc[0] in ("grid", "sample"):
        message = and_more(("expected a list of values, e.g. [0.7, 0.8]" if loc[0] == "grid"
                            else "expected [low, high], e.g. [0.6, 0.95]") + f", got {value!r}", error)
    else:
        loc, message = error_message(error, field_at=_model_field, unknown_key=_unknown_key)
    return UserError(label, _dotted(loc) or None, message, line=_line(lines, loc))


def _unknown_key(loc: tuple) -> str:
    """An unknown key of a sweep spec, with the nearest allowed one."""
    import difflib

    parent = loc[:-1]
    model: Any = SweepSpec
    for part in parent:
        sub = model.model_fields[part].annotation if hasattr(model, "model_fields") and part in model.model_fields else None
        cand = [a for a in (sub, *typing.get_args(sub)) if isinstance(a, type) and issubclass(a, BaseModel)]
        model = cand[0] if cand else None
        if model is None:
            break
    names = list(model.model_fields) if model is not None else []
    close = difflib.get_close_matches(str(loc[-1]), names, n=1, cutoff=0.6)
    hint = f"did you mean '{_dotted(parent + (close[0],))}'? " if close else ""
    where = f"[{_dotted(parent)}]" if parent else "the top level"
    return f"unknown key; {hint}allowed in {where}: {', '.join(names)}"


def _field_annotation(key: str) -> Any:
    """The annotation of scenario key ``key`` (``citizen.legitimacy`` -> float), or None."""
    from uprising.scenarios import Scenario

    model: Any = Scenario
    info = None
    for part in key.split("."):
        if model is None or not hasattr(model, "model_fields") or part not in model.model_fields:
            return None
        info = model.model_fields[part]
        cand = [a for a in (info.annotation, *typing.get_args(info.annotation)) if isinstance(a, type) and issubclass(a, BaseModel)]
        model = cand[0] if cand else None
    return None if info is None else info.annotation


def _is_int_field(key: str) -> bool:
    annotation = _field_annotation(key)
    args = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    return args == [int]


def _normalise(values: list[Any]) -> list[Any]:
    """Numbers of one list share one type: ``[1, 0.5]`` -> ``[1.0, 0.5]`` (one column type in the store)."""
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    if numeric and any(isinstance(v, float) for v in values):
        return [float(v) for v in values]
    return values


def _read(path: Path, label: str) -> tuple[dict[str, Any], str, dict[tuple, int]]:
    # The scenario loader's reader and line finder: the same one-line messages for malformed TOML.
    from uprising.scenarios.loader import _key_lines, _read_toml

    data, text = _read_toml(path, label)
    return data, text, _key_lines(text)


def _resolve_base(name: str, spec_dir: Path, label: str, line: int | None) -> str | Path:
    from uprising.scenarios import shipped_names

    looks_like_path = name.endswith(".toml") or "/" in name or "\\" in name
    if not looks_like_path and name in shipped_names():
        return name
    candidate = Path(name).expanduser()
    if not candidate.is_absolute():
        candidate = spec_dir / candidate
    if candidate.is_file():
        return candidate
    import difflib

    close = difflib.get_close_matches(name, shipped_names(), n=1, cutoff=0.5)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise UserError(label, "sweep.scenario", f"unknown scenario '{name}'; {hint}give a shipped name "
                    "(see `uprising scenarios`) or a .toml path relative to the spec", line=line)


def _rewrap(e: UserError, label: str, key: str, line: int | None, what: str = "") -> UserError:
    message = e.message if not what or e.message.startswith("unknown key") else f"{what}: {e.message}"
    return UserError(label, key, message, line=line)


def _specs_dir():
    from importlib import resources

    return resources.files("uprising.experiments").joinpath("specs")


def shipped_specs() -> list[str]:
    """Names of the sweep specs shipped with uprising (``uprising/experiments/specs/*.toml``)."""
    return sorted(e.name[: -len(".toml")] for e in _specs_dir().iterdir()
                  if e.name.endswith(".toml") and not e.name.startswith(("_", ".")))


def spec_path(source: str | Path) -> Path:
    """The file of a spec: ``source`` itself when it is a file, else the shipped spec of that name
    (``legitimacy-by-cops``); an unknown name is a :class:`UserError` listing the shipped ones."""
    path = Path(source)
    if path.is_file():
        return path
    name = str(source)
    if name.endswith(".toml") or "/" in name or "\\" in name:
        return path  # a path: reading it says "no such file"
    names = shipped_specs()
    if name in names:
        return Path(str(_specs_dir().joinpath(f"{name}.toml")))
    import difflib

    close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise UserError(name, None, f"no such file and no shipped sweep spec of that name; {hint}"
                    f"shipped: {', '.join(names)}")


def load_spec(source: str | Path | Mapping[str, Any], *, label: str | None = None,
              sweep: Mapping[str, Any] | None = None) -> Spec:
    """Read and validate a sweep spec (a TOML path, a shipped spec's name, or a mapping with the same
    tables). ``sweep``: keys of its ``[sweep]`` table to replace (``{"seeds": 2, "steps": 50}``)."""
    from uprising.scenarios import load_scenario, scenario_to_dict

    if isinstance(source, Mapping):
        data, text, lines = dict(source), json.dumps(source, default=str), {}
        label = label or "<spec>"
        spec_dir = Path.cwd()
    else:
        path = spec_path(source)
        label = label or str(source)
        data, text, lines = _read(path, label)
        spec_dir = path.parent
    given = {k: v for k, v in (sweep or {}).items() if v is not None}
    if given:
        data["sweep"] = {**(data["sweep"] if isinstance(data.get("sweep"), Mapping) else {}), **given}
        text += "\n# replaced when loaded: " + ", ".join(f"[sweep] {k} = {v!r}" for k, v in given.items()) + "\n"
    for table in ("set", "grid"):
        if isinstance(data.get(table), Mapping):
            data[table] = _flatten(data[table])
    if isinstance(data.get("sample"), Mapping) and isinstance(data["sample"].get("ranges"), Mapping):
        data["sample"] = {**data["sample"], "ranges": _flatten(data["sample"]["ranges"])}
    try:
        model = SweepSpec.model_validate(data)
    except ValidationError as e:
        raise _translate(e, label, lines) from None
    info = model.sweep

    for key in model.varied_keys():
        if key in _NOT_VARIABLE:
            table = "grid" if key in model.grid else "sample.ranges"
            raise UserError(label, f"{table}.{key}", f"cannot be varied in a sweep: {_NOT_VARIABLE[key]}",
                            line=_line(lines, (table, key)))

    # The base scenario with what is held fixed.
    base_source = _resolve_base(info.scenario, spec_dir, label, _line(lines, ("sweep", "scenario")))
    fixed: dict[str, Any] = dict(model.set)
    if info.steps is not None:
        fixed["scenario.steps"] = info.steps
    if info.schedule is not None:
        fixed["scenario.schedule"] = info.schedule
    base = load_scenario(base_source, None)
    for key, value in model.set.items():
        try:
            load_scenario(base, {key: value})
        except UserError as e:
            raise _rewrap(e, label, f"set.{key}", _line(lines, ("set", key))) from None
    try:
        base = load_scenario(base_source, fixed or None)
    except UserError as e:
        raise UserError(label, "set", e.message, line=_line(lines, ("set",))) from None
    base_data = scenario_to_dict(base)  # plain Python data (dates stay dates): pickles to any worker

    # Each varied value on its own, so a mistake names its key and value.
    grid = {key: _normalise(list(values)) for key, values in model.grid.items()}
    for key, values in grid.items():
        for value in values:
            try:
                load_scenario(base_data, {key: value})
            except UserError as e:
                raise _rewrap(e, label, f"grid.{key}", _line(lines, ("grid", key)), f"value {value!r}") from None
    sampled: list[dict[str, Any]] = [{}]
    if model.sample is not None:
        s = model.sample
        for key, (lo, hi) in s.ranges.items():
            for value in (lo, hi):
                value = round(value) if _is_int_field(key) else value
                try:
                    load_scenario(base_data, {key: value})
                except UserError as e:
                    raise _rewrap(e, label, f"sample.ranges.{key}", _line(lines, ("sample", "ranges", key)),
                                  f"bound {value!r}") from None
        matrix = samplers.sample(s.method, s.ranges, s.n, info.seed, levels=s.levels, second_order=s.second_order)
        keys = list(s.ranges)
        ints = [_is_int_field(k) for k in keys]
        sampled = [
            {k: (int(round(float(v))) if is_int else float(v)) for k, v, is_int in zip(keys, row, ints)}
            for row in matrix
        ]
    points = [{**g, **smp} for g in samplers.grid(grid) for smp in sampled]
    if len(points) <= MAX_VALIDATED_POINTS and len(model.varied_keys()) > 1:
        for i, point in enumerate(points):
            try:
                load_scenario(base_data, point)
            except UserError as e:
                shown = ", ".join(f"{k}={v!r}" for k, v in point.items())
                raise UserError(label, None, f"point {i} ({shown}): {e.key + ': ' if e.key else ''}{e.message}") from None
    return Spec(model=model, label=label, text=text, base=base, base_data=base_data, points=points, lines=lines)


__all__ = ["load_spec", "Spec", "SweepSpec", "RunPlan", "spawn_seeds", "shipped_specs", "spec_path"]
