"""Checkpoints: a run's whole state as arrays and scalars, and a run resumed from one.

A checkpoint is one file (``DIR/checkpoint.npz``), a zip archive written atomically:

- ``checkpoint.json`` — ``kind``, ``format`` (:data:`FORMAT`), the ``uprising`` version that wrote
  it, the resolved scenario as TOML, seed, schedule, the step reached, and ``state``: a tree of
  every attribute of the :class:`~uprising.simulation.Simulation` and its world — plain scalars
  inline, arrays by name;
- ``arrays/<dotted.name>.npy`` — every numpy array of the run by its dotted name
  (``world.pop.cell``, ``world.places.occupant``, ``world.recorder.counts``, ...), read back with
  ``allow_pickle=False``.

Nothing is pickled and nothing is evaluated: the tree holds only JSON values, numpy arrays and
tagged containers (tuple, set, dict with non-string keys, date, bytes, numpy scalar). Random numbers are
counter-based (``uprising.engine.rng``): their state is the seed and the step, both recorded.

The walk is generic, so a world's new components are covered as they land: the state is every
attribute reachable from the simulation, except

- what is rebuilt from the scenario: pydantic models, frozen dataclasses (visions, geography),
  functions and bound methods (phases, recorder sources), modules and classes;
- names in :data:`SKIP_ATTRS` (the plan, the scenario), buffers and caches in :data:`SKIP_TYPES`,
  and instances of a class that sets ``__checkpoint_skip__ = True`` (a cache rebuilt on demand).

Restoring builds a fresh simulation of the same scenario, seed and schedule, and writes the saved
values into it attribute by attribute (arrays of the same shape and dtype in place, so aliases
made at set-up survive). An object the fresh simulation lacks (a march that started during the
run) is rebuilt only if its class is listed in :data:`RESTORABLE`, and a settings model the run
built (an organisation's call, in a list of calls) is saved by value if its class is listed in
:data:`MODELS`; anything else the walk cannot
save raises :class:`CheckpointError` when saving, naming the attribute, so it is fixed, not lost.

A checkpoint written by another uprising version or format is refused with one line.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import io
import json
import math
import tomllib
import types
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

import uprising
from uprising.errors import UserError
from uprising.output import atomic_path

FORMAT = 1
KIND = "uprising-checkpoint"
META = "checkpoint.json"
ARRAYS = "arrays/"
FILENAME = "checkpoint.npz"

#: attributes never saved: rebuilt from the scenario, or transient (name -> reason)
SKIP_ATTRS = {
    "scenario": "the resolved scenario is saved as TOML",
    "cfg": "part of the scenario",
    "plan": "rebuilt from the scenario",
    "scratch": "per-step buffers of the synchronous schedule",
    "_checks": "the invariant checker is re-attached on resume",
    "_resized": "restore's own note",
}
#: classes whose instances are per-step buffers, rebuilt on demand ("module:qualname")
SKIP_TYPES = {
    "uprising.engine.synchronous:Scratch",  # per-step buffers
    "uprising.engine.planes:Planes",  # bit planes: rebuilt from the board at the start of each phase using them
}
#: classes a checkpoint may create when the fresh simulation has no object at that place
RESTORABLE = {"uprising.world.mechanisms.marches:March"}
#: settings models a run builds as it goes (an organisation's call or march, the cabinet's decision), saved
#: by value (their JSON) when a container holds one: the fresh simulation has no such object to keep
MODELS = {"uprising.world.events_config:Event"}

_SCALARS = (bool, int, float, str, type(None))


class CheckpointError(RuntimeError):
    """The run holds state a checkpoint cannot save (an internal error: fix the component)."""


def _qualname(obj: Any) -> str:
    t = type(obj)
    return f"{t.__module__}:{t.__qualname__}"


def _is_derived(value: Any) -> bool:
    """Rebuilt from the scenario, never saved."""
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.ModuleType, type)):
        return True
    if callable(value) and not hasattr(value, "__dict__") and not isinstance(value, np.ndarray):
        return True  # numba dispatchers, functools.partial ...
    if type(value).__module__.startswith("numba"):
        return True
    try:
        from pydantic import BaseModel

        if isinstance(value, BaseModel):
            return True
    except ImportError:  # pragma: no cover
        pass
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        params = getattr(type(value), "__dataclass_params__", None)
        if params is not None and params.frozen:
            return True
    if getattr(type(value), "__checkpoint_skip__", False):  # a class may declare itself a cache
        return True
    return _qualname(value) in SKIP_TYPES


# ----------------------------------------------------------------------------------------------
# Encoding: value -> JSON node, arrays collected by dotted name


class _Encoder:
    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.seen: dict[int, str] = {}  # id(object) -> first path (aliases become references)
        self._keep: list[Any] = []  # keep encoded objects alive so ids are not reused

    def encode(self, value: Any, path: str) -> Any:
        if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {"$float": repr(value)}
        if isinstance(value, np.generic):
            if value.dtype.kind not in "biuf":
                raise CheckpointError(f"{path}: numpy scalar of dtype {value.dtype} cannot be saved")
            item = value.item()
            if isinstance(item, float) and not math.isfinite(item):
                item = {"$float": repr(item)}
            return {"$np": value.dtype.str, "v": item}
        if isinstance(value, bytes):
            return {"$bytes": base64.b64encode(value).decode("ascii")}
        if isinstance(value, (dt.datetime, dt.date)):
            tag = "$datetime" if isinstance(value, dt.datetime) else "$date"
            return {tag: value.isoformat()}
        if _qualname(value) in MODELS:  # built during the run: saved by value
            return {"$model": _qualname(value), "json": value.model_dump_json()}
        if _is_derived(value):  # inside a container: rebuilt from the scenario, kept as it is
            return {"$derived": _qualname(value)}
        ident = id(value)
        if ident in self.seen:
            return {"$ref": self.seen[ident]}
        self.seen[ident] = path
        self._keep.append(value)
        if isinstance(value, np.ndarray):
            if value.dtype.hasobject or value.dtype.kind not in "biufcUSM":
                raise CheckpointError(f"{path}: array of dtype {value.dtype} cannot be saved without pickle")
            self.arrays[path] = value
            return {"$array": path}
        if isinstance(value, tuple) and not hasattr(value, "_fields"):
            return {"$tuple": [self.encode(v, f"{path}[{i}]") for i, v in enumerate(value)]}
        if isinstance(value, list) and type(value) is list:
            return [self.encode(v, f"{path}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, (set, frozenset)):
            try:
                items = sorted(value)
            except TypeError:
                items = list(value)
            node = {"$set": [self.encode(v, f"{path}{{{i}}}") for i, v in enumerate(items)]}
            if isinstance(value, frozenset):
                node["frozen"] = True
            return node
        if isinstance(value, dict) and type(value) is dict:
            if all(isinstance(k, str) and not k.startswith("$") for k in value):
                return {k: self.encode(v, f"{path}.{k}") for k, v in value.items()}
            return {"$dict": [[self.encode(k, f"{path}<key {i}>"), self.encode(v, f"{path}[{k!r}]")]
                              for i, (k, v) in enumerate(value.items())]}
        if hasattr(value, "__dict__") and not _is_derived(value):
            return {"$object": _qualname(value), "state": self.attributes(value, path)}
        raise CheckpointError(
            f"{path}: a {type(value).__name__} cannot be saved in a checkpoint (arrays, scalars, lists, "
            "dicts and plain objects only); store it as arrays, or list it in uprising.checkpoint.SKIP_TYPES"
        )

    def attributes(self, obj: Any, path: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in vars(obj).items():
            if name in SKIP_ATTRS or _is_derived(value):
                continue
            out[name] = self.encode(value, f"{path}.{name}" if path else name)
        return out


def state_of(sim: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The state tree of ``sim`` (JSON data) and its arrays by dotted name."""
    enc = _Encoder()
    tree = enc.attributes(sim, "")
    return tree, enc.arrays


# ----------------------------------------------------------------------------------------------
# Decoding: node -> value, written into the fresh simulation


class _Decoder:
    def __init__(self, arrays: Mapping[str, np.ndarray], label: str):
        self.arrays = arrays
        self.label = label
        self.at: dict[str, Any] = {}  # path -> restored object (for references)
        self.resized: list[str] = []  # arrays whose shape differs from the fresh run's (grown, or foreign)

    def bad(self, path: str, message: str) -> UserError:
        return UserError(self.label, path or None, message)

    def model(self, node: Mapping[str, Any], path: str) -> Any:
        """A settings model saved by value (:data:`MODELS`), validated as the scenario's own are."""
        import importlib

        from pydantic import ValidationError

        name = node["$model"]
        if name not in MODELS or not isinstance(node.get("json"), str):
            raise self.bad(path, f"holds a {name} the resumed run does not build")
        module, _, qual = name.partition(":")
        cls: Any = importlib.import_module(module)
        for part in qual.split("."):
            cls = getattr(cls, part)
        try:
            return cls.model_validate_json(node["json"])
        except ValidationError as e:
            raise self.bad(path, f"an invalid {qual}: {e.errors()[0]['msg']}") from None

    def decode(self, node: Any, existing: Any, path: str) -> Any:
        if node is None or isinstance(node, (bool, int, str)):
            return node
        if isinstance(node, float):
            return node
        if isinstance(node, list):
            old = existing if isinstance(existing, list) and len(existing) == len(node) else [None] * len(node)
            out = existing if isinstance(existing, list) else []
            items = [self.decode(n, o, f"{path}[{i}]") for i, (n, o) in enumerate(zip(node, old))]
            out[:] = items
            self.at[path] = out
            return out
        if not isinstance(node, dict):
            raise self.bad(path, f"unexpected value {node!r} in the state")
        if "$float" in node:
            return float(node["$float"])
        if "$np" in node:
            v = node["v"]
            v = float(v["$float"]) if isinstance(v, dict) else v
            return np.dtype(node["$np"]).type(v)
        if "$bytes" in node:
            return base64.b64decode(node["$bytes"])
        if "$date" in node:
            return dt.date.fromisoformat(node["$date"])
        if "$datetime" in node:
            return dt.datetime.fromisoformat(node["$datetime"])
        if "$model" in node:
            value = self.model(node, path)
            if existing is not None and _qualname(existing) == node["$model"] and existing == value:
                value = existing  # the scenario's own object, as the fresh run built it
            self.at[path] = value
            return value
        if "$derived" in node:
            if existing is None or _qualname(existing) != node["$derived"]:
                raise self.bad(path, f"expects a {node['$derived']} the resumed run does not build")
            return existing
        if "$ref" in node:
            if node["$ref"] not in self.at:
                raise self.bad(path, f"refers to {node['$ref']!r}, which the checkpoint does not hold")
            return self.at[node["$ref"]]
        if "$array" in node:
            name = node["$array"]
            if name not in self.arrays:
                raise self.bad(path, f"array {name!r} is missing from the checkpoint")
            saved = self.arrays[name]
            if isinstance(existing, np.ndarray) and existing.shape == saved.shape and existing.dtype == saved.dtype \
                    and existing.flags.writeable:
                existing[...] = saved
                value = existing
            else:
                if isinstance(existing, np.ndarray):
                    self.resized.append(path)
                value = np.array(saved)
            self.at[path] = value
            return value
        if "$tuple" in node:
            old = existing if isinstance(existing, tuple) and len(existing) == len(node["$tuple"]) else None
            value = tuple(self.decode(n, old[i] if old else None, f"{path}[{i}]") for i, n in enumerate(node["$tuple"]))
            self.at[path] = value
            return value
        if "$set" in node:
            value = {self.decode(n, None, f"{path}{{{i}}}") for i, n in enumerate(node["$set"])}
            value = frozenset(value) if node.get("frozen") else value
            self.at[path] = value
            return value
        if "$dict" in node:
            value = {}
            for i, (k, v) in enumerate(node["$dict"]):
                key = self.decode(k, None, f"{path}<key {i}>")
                old = existing.get(key) if isinstance(existing, dict) else None
                value[key] = self.decode(v, old, f"{path}[{key!r}]")
            self.at[path] = value
            return value
        if "$object" in node:
            cls_name = node["$object"]
            if existing is not None and _qualname(existing) == cls_name:
                obj = existing
            elif cls_name in RESTORABLE:
                module, _, qual = cls_name.partition(":")
                import importlib

                cls = importlib.import_module(module)
                for part in qual.split("."):
                    cls = getattr(cls, part)
                obj = cls.__new__(cls)
            else:
                raise self.bad(path, f"holds a {cls_name} the resumed run does not build; "
                               "it was written by a run of a different scenario")
            self.at[path] = obj
            self.restore_attributes(obj, node["state"], path)
            return obj
        # a plain dict with string keys
        value = existing if isinstance(existing, dict) else {}
        new = {k: self.decode(v, value.get(k), f"{path}.{k}") for k, v in node.items()}
        value.clear()
        value.update(new)
        self.at[path] = value
        return value

    def restore_attributes(self, obj: Any, state: Mapping[str, Any], path: str) -> None:
        for name, node in state.items():
            sub = f"{path}.{name}" if path else name
            setattr(obj, name, self.decode(node, getattr(obj, name, None), sub))


# ----------------------------------------------------------------------------------------------
# Files


def save(sim: Any, path: str | Path, extra: Mapping[str, Any] | None = None) -> Path:
    """Write the state of ``sim`` to ``path`` atomically; return the path."""
    from uprising.output import json_safe
    from uprising.scenarios import scenario_to_toml

    tree, arrays = state_of(sim)
    meta = {
        "kind": KIND,
        "format": FORMAT,
        "uprising": uprising.__version__,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "step": int(sim.steps_done),
        "seed": int(sim.seed),
        "schedule": sim.schedule,
        "frame_every": sim.frame_every,
        "scenario_toml": scenario_to_toml(sim.scenario),
        "extra": json_safe(dict(extra or {})),
        "state": tree,
    }
    text = json.dumps(meta, allow_nan=False, ensure_ascii=False)
    path = Path(path)
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            z.writestr(META, text)
            for name, arr in arrays.items():
                buf = io.BytesIO()
                np.lib.format.write_array(buf, np.ascontiguousarray(arr), allow_pickle=False)
                z.writestr(f"{ARRAYS}{name}.npy", buf.getvalue())
    return path


def read_meta(path: str | Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The metadata and arrays of a checkpoint; a :class:`UserError` for anything not one of ours."""
    path = Path(path)
    label = str(path)
    if path.is_dir():
        if (path / FILENAME).is_file():
            path, label = path / FILENAME, str(path / FILENAME)
        else:
            raise UserError(label, None, f"is a directory without a {FILENAME}; give a checkpoint file")
    try:
        z = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise UserError(label, None, "no such file") from None
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise UserError(label, None, f"not an uprising checkpoint (not a zip archive: {e})") from None
    with z:
        try:
            meta = json.loads(z.read(META).decode("utf-8"))
        except KeyError:
            raise UserError(label, None, f"not an uprising checkpoint (no {META} inside)") from None
        except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, OSError) as e:
            raise UserError(label, META, f"unreadable: {e}") from None
        if not isinstance(meta, dict) or meta.get("kind") != KIND:
            raise UserError(label, None, "not an uprising checkpoint")
        if meta.get("format") != FORMAT:
            raise UserError(label, "format", f"checkpoint format {meta.get('format')!r}; this uprising "
                            f"{uprising.__version__} reads format {FORMAT} only")
        if meta.get("uprising") != uprising.__version__:
            raise UserError(label, "uprising", f"written by uprising {meta.get('uprising')}; this is uprising "
                            f"{uprising.__version__}: resume it with that version, or rerun the scenario")
        for key in ("step", "seed", "schedule", "scenario_toml", "state"):
            if key not in meta:
                raise UserError(label, key, "missing from the checkpoint")
        arrays: dict[str, np.ndarray] = {}
        for name in z.namelist():
            if not (name.startswith(ARRAYS) and name.endswith(".npy")):
                continue
            try:
                with z.open(name) as f:
                    arrays[name[len(ARRAYS):-4]] = np.lib.format.read_array(io.BytesIO(f.read()), allow_pickle=False)
            except (ValueError, OSError, zipfile.BadZipFile, EOFError) as e:
                raise UserError(label, name, f"unreadable array: {e}") from None
    meta["_label"] = label
    return meta, arrays


def load(path: str | Path, *, check: bool = False) -> Any:
    """A :class:`~uprising.simulation.Simulation` in the state the checkpoint at ``path`` holds.

    The restored world is checked against every invariant (a checkpoint edited by hand, or cut
    short, is refused with one line); ``check=True`` keeps checking after every phase.
    """
    from uprising.scenarios import load_scenario, scenario_to_toml
    from uprising.simulation import Simulation

    meta, arrays = read_meta(path)
    label = meta["_label"]
    try:
        data = tomllib.loads(meta["scenario_toml"])
    except (tomllib.TOMLDecodeError, TypeError) as e:
        raise UserError(label, "scenario_toml", f"unreadable scenario: {e}") from None
    scenario = load_scenario(data)
    if scenario_to_toml(scenario) != meta["scenario_toml"]:
        raise UserError(label, "scenario_toml", "the scenario does not read back to itself")
    sim = Simulation(scenario, seed=int(meta["seed"]), schedule=str(meta["schedule"]),
                     frame_every=meta.get("frame_every"))
    resized = restore(sim, meta["state"], arrays, label)._resized
    if int(sim.steps_done) != int(meta["step"]):
        raise UserError(label, "step", f"says step {meta['step']} but the state is at step {sim.steps_done}")
    from uprising import checks

    try:
        checks.check_now(sim.world, "resume", sim.steps_done)
    except checks.InvariantError as e:
        raise UserError(label, None, f"the saved state is inconsistent: {e}") from None
    except (IndexError, ValueError, TypeError) as e:  # arrays of the wrong size for this scenario
        sizes = f" (sizes differ from a fresh run: {', '.join(resized[:4])})" if resized else ""
        raise UserError(label, None, f"the saved state does not fit its scenario: {type(e).__name__}: {e}{sizes}") from None
    if check:
        checks.attach(sim)
    return sim


def restore(sim: Any, tree: Mapping[str, Any], arrays: Mapping[str, np.ndarray], label: str = "<checkpoint>") -> Any:
    """Write a state tree (from :func:`state_of`) into a fresh simulation of the same scenario."""
    dec = _Decoder(arrays, label)
    try:
        dec.restore_attributes(sim, tree, "")
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as e:
        raise UserError(label, None, f"does not fit this scenario's run: {type(e).__name__}: {e}") from None
    sim._resized = dec.resized
    return sim


__all__ = ["save", "load", "restore", "read_meta", "state_of", "CheckpointError", "FORMAT", "FILENAME",
           "SKIP_ATTRS", "SKIP_TYPES", "RESTORABLE"]
