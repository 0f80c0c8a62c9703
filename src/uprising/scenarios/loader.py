"""Scenario files in, a validated :class:`Scenario` out; and a Scenario back to TOML.

A scenario is resolved from layers, each overriding the one below:

1. the schema's defaults (``schema.py``);
2. the rule preset named by ``rules.preset`` (``presets.py``), if any;
   for a world of places (``scenario.model = "places"``), the behavioural values every episode shares
   (``world/shared_values.toml``) and over them the fitted ones ``scenario.values`` names
   (``world/fits/<name>.toml``); keys the files below set to other values are listed in
   ``scenario.tuned`` (overrides in the open);
3. the file a scenario ``extends`` (a shipped name or a path relative to the file), recursively;
4. the scenario file itself (a shipped name such as ``epstein-1``, a path to a ``.toml``, or an
   episode folder: its ``scenario.toml``);
5. overrides: ``--set citizen.legitimacy=0.7`` on the command line, or a mapping in Python,
   keyed by dotted names (``"citizen.legitimacy"``) or double underscores
   (``"citizen__legitimacy"``). String values are read as TOML values (``inf``, ``true``,
   ``0.7``, ``[1, 2]``, ``{step = 3, ...}``) unless the key is a string field; a string that is
   not a TOML value is kept as a string, so ``rules.vision_shape=moore`` works.

Tables merge key by key; arrays (``[[interventions]]``) replace whole. Validation is strict:
``legitimacy = "0.8"`` (a string) is a type error, not silently converted. Every mistake raises
:class:`~uprising.errors.UserError` naming the file (and line where known), the dotted key, and
what is allowed.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from uprising.errors import UserError
from uprising.scenarios.emit import scenario_to_dict, scenario_to_toml  # noqa: F401  (re-exported)
from uprising.scenarios.messages import (  # noqa: F401
    _dotted, _field_at, all_keys, describe_allowed, error_message, toml_error,
)
from uprising.scenarios.presets import PRESET_NAMES, preset_values
from uprising.scenarios.schema import Scenario
from uprising.scenarios.shipped import (  # noqa: F401  (re-exported)
    EPISODE_FILE, episode_folder, list_scenarios, shipped_episodes, shipped_names, shipped_path, _unknown_scenario,
)

SET_LABEL = "--set"

# --------------------------------------------------------------------------------------------
# Layers with provenance: which file (or --set) gave each key, and on which line


_ORDER = itertools.count()


@dataclass
class _Source:
    label: str  # what the user calls it: a path as given, a shipped name, "--set"
    lines: dict[tuple, int] = field(default_factory=dict)
    path: Path | None = None  # the file, when the layer is one (relative data paths start beside it)
    order: int = field(default_factory=lambda: next(_ORDER))  # later layers have larger numbers


@dataclass
class _Layers:
    data: dict[str, Any] = field(default_factory=dict)
    origin: dict[tuple, _Source] = field(default_factory=dict)

    def merge(self, table: Mapping[str, Any], source: _Source | None, prefix: tuple = ()) -> None:
        node = self.data
        for part in prefix:
            node = node[part]
        for key, value in table.items():
            path = prefix + (key,)
            if isinstance(value, Mapping) and isinstance(node.get(key), dict):
                if source is not None:
                    self.origin.setdefault(path, source)
                self.merge(value, source, path)
                continue
            node[key] = _plain(value)
            if source is not None:
                for sub in _paths(value, path):
                    self.origin[sub] = source

    def source_of(self, loc: tuple) -> _Source | None:
        """Who set ``loc``: the latest layer among it and the keys under it, else its nearest parent."""
        below = [src for path, src in self.origin.items() if path[: len(loc)] == loc]
        if below:
            return max(below, key=lambda src: src.order)
        for n in range(len(loc) - 1, 0, -1):
            if loc[:n] in self.origin:
                return self.origin[loc[:n]]
        return None


def _plain(value: Any) -> Any:
    """A deep copy made of dicts, lists and scalars (numpy scalars become Python ones)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return value.item()
    return value


def _paths(value: Any, prefix: tuple):
    yield prefix
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


def _key_lines(text: str) -> dict[tuple, int]:
    """Best-effort map from key path to the line that sets it (tables, arrays of tables, keys)."""
    lines: dict[tuple, int] = {}
    table: tuple = ()
    counts: dict[tuple, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if m := re.match(r"\[\[\s*([^\]]+?)\s*\]\]", s):
            path = _split_key(m.group(1))
            counts[path] = counts.get(path, -1) + 1
            table = path + (counts[path],)
            lines.setdefault(path, number)
            lines[table] = number
        elif m := re.match(r"\[\s*([^\]]+?)\s*\]", s):
            table = _split_key(m.group(1))
            lines[table] = number
        elif m := re.match(r"""((?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'))*)\s*=""", s):
            lines[table + _split_key(m.group(1))] = number
    return lines


def _split_key(key: str) -> tuple:
    return tuple(part.strip().strip("\"'") for part in key.split("."))


# --------------------------------------------------------------------------------------------
# Reading files


def _read_toml(path: Path, label: str) -> tuple[dict[str, Any], str]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError(label, None, "no such file") from None
    except IsADirectoryError:
        raise UserError(label, None, f"is a directory without {EPISODE_FILE}, not a scenario .toml file or an episode "
                        "folder (scenario.toml, places.csv, roads.csv, record.toml: `uprising new episode PATH`)") from None
    except OSError as e:
        raise UserError(label, None, f"cannot read: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UserError(label, None, f"not UTF-8 text (bad byte at offset {e.start}); TOML files are UTF-8") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as e:
        raise toml_error(label, text, e) from None


def _resolve_source(name: str, relative_to: Path | None, file: str | None, key: str | None) -> tuple[Path, str]:
    """A shipped name or a path (relative to the including file) -> (path, label)."""
    looks_like_path = name.endswith(".toml") or "/" in name or "\\" in name
    if not looks_like_path and name in shipped_names():
        return shipped_path(name), name
    candidate = Path(name).expanduser()
    if relative_to is not None and not candidate.is_absolute():
        candidate = relative_to / candidate
    if candidate.is_dir() and (candidate / EPISODE_FILE).is_file():  # an episode folder: its scenario.toml
        return candidate / EPISODE_FILE, str(candidate / EPISODE_FILE)
    if looks_like_path or candidate.is_file():
        return candidate, str(candidate) if relative_to is not None else name
    raise _unknown_scenario(name, file, key)


def _file_layers(path: Path, label: str, chain: tuple[Path, ...] = ()) -> list[tuple[dict, _Source]]:
    """The layers a file contributes: its ``extends`` bases (deepest first), then itself."""
    data, text = _read_toml(path, label)
    source = _Source(label, _key_lines(text), path=Path(path))
    layers: list[tuple[dict, _Source]] = []
    if "extends" in data:
        base = data.pop("extends")
        if not isinstance(base, str):
            raise UserError(label, "extends", "must be a shipped scenario name or a path to a .toml file",
                            line=source.lines.get(("extends",)))
        base_path, base_label = _resolve_source(base, path.parent, label, "extends")
        if not base_path.is_file():  # name the including file and its key, not just the base's path
            what = "is a directory" if base_path.is_dir() else "does not exist"
            raise UserError(label, "extends", f"{base!r} {what}; allowed: a shipped scenario name or a .toml file",
                            line=source.lines.get(("extends",)))
        resolved = base_path.resolve()
        if resolved in chain or resolved == path.resolve():
            cycle = " -> ".join(p.name for p in (*chain, path.resolve(), resolved))
            raise UserError(label, "extends", f"scenarios extend each other in a cycle: {cycle}")
        layers.extend(_file_layers(base_path, base_label, (*chain, path.resolve())))
    layers.append((data, source))
    return layers


# --------------------------------------------------------------------------------------------
# Overrides


def parse_value(text: str) -> Any:
    """Read ``text`` as a TOML value (``0.7``, ``inf``, ``true``, ``"x"``, ``[1, 2]``); a string otherwise."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_assignments(items: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``["citizen.legitimacy=0.7", ...]`` -> ``{"citizen.legitimacy": "0.7", ...}`` (values unparsed)."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UserError(SET_LABEL, item or "''", "expected KEY=VALUE, e.g. --set citizen.legitimacy=0.7")
        out[key] = value.strip()
    return out


def _key_path(key: str) -> tuple:
    key = re.sub(r"\[(\d+)\]", r".\1", key).replace("__", ".")
    parts = tuple(int(p) if p.isascii() and p.isdigit() else p for p in key.split("."))
    if any(p == "" for p in parts):
        raise UserError(SET_LABEL, key, "empty part in a dotted key; write e.g. citizen.legitimacy")
    if isinstance(parts[0], int):  # fuzz finding: `--set 0=0` was an IndexError
        raise UserError(SET_LABEL, key, "a key starts with a section name, not an item number; "
                        "write e.g. citizen.legitimacy or interventions[0].value")
    return parts


#: Short names accepted by ``--set`` (issue #8: ``--set scale=1`` is ``world.scale``).
ALIASES = {"scale": "world.scale"}


def _override_layer(overrides: Mapping[str, object], base: dict[str, Any]) -> dict[str, Any]:
    """Overrides as a nested table to merge over ``base`` (list items are edited in a copy)."""
    layer: dict[str, Any] = {}
    lists: dict[str, list] = {}
    for raw_key, value in overrides.items():
        path = _key_path(ALIASES.get(str(raw_key).strip(), str(raw_key)))
        if isinstance(value, str) and not _is_string_field(path):
            value = parse_value(value)
        if any(isinstance(p, int) for p in path):
            # e.g. interventions.0.value: edit a copy of the list from the layers below
            head = path[0]
            if head not in lists:
                current = base.get(head, [])
                if not isinstance(current, list):
                    raise UserError(SET_LABEL, _dotted(path), f"'{head}' is not a list")
                lists[head] = _plain(current)
            _assign(lists[head], path[1:], value, path)
            layer[head] = lists[head]
        else:
            _assign(layer, path, value, path)
    return layer


def _assign(node: Any, path: tuple, value: Any, full: tuple) -> None:
    for i, part in enumerate(path[:-1]):
        if isinstance(node, list):
            if not isinstance(part, int) or part >= len(node):
                raise UserError(SET_LABEL, _dotted(full), f"no item {part} in '{_dotted(full[: len(full) - len(path) + i])}' ({len(node)} items)")
            node = node[part]
        else:
            nxt = node.setdefault(part, {})
            if not isinstance(nxt, dict):
                raise UserError(SET_LABEL, _dotted(full), f"'{_dotted(full[: len(full) - len(path) + i + 1])}' is a value, not a table")
            node = nxt
    last = path[-1]
    if isinstance(node, list):
        if not isinstance(last, int) or last >= len(node):
            raise UserError(SET_LABEL, _dotted(full), f"no such item ({len(node)} items)")
        node[last] = value
    else:
        node[last] = value


def _is_string_field(path: tuple) -> bool:
    info = _field_at(path)
    return info is not None and info.annotation is str


# --------------------------------------------------------------------------------------------
# Loading


def load_scenario(
    source: str | Path | Scenario | Mapping[str, Any],
    overrides: Mapping[str, object] | None = None,
) -> Scenario:
    """Resolve ``source`` (a shipped name, a TOML path, a Scenario or a plain mapping) to a Scenario.

    ``overrides`` are applied last, keyed ``"section.key"`` or ``"section__key"``. Raises
    :class:`UserError` for every mistake in the input.
    """
    layers = _Layers()
    main = _Source(SET_LABEL)
    default_name: str | None = None
    tuned: list[str] | None = None
    if isinstance(source, Scenario):
        main = _Source(source.scenario.name)
        layers.merge(source.model_dump(exclude_none=True), main)
    elif isinstance(source, Mapping):
        main = _Source("<mapping>")
        tuned = lay_shared(layers, [source], overrides, Path.cwd())
        layers.merge(source, main)
    elif isinstance(source, (str, Path)):
        if isinstance(source, Path) and source.is_dir():
            path, label = _resolve_source(str(source), None, None, None)
        elif isinstance(source, Path):
            path, label = source, str(source)
        else:
            path, label = _resolve_source(source, None, None, None)
        file_layers = _file_layers(path, label)
        tuned = lay_shared(layers, [d for d, _ in file_layers], overrides, path.parent)
        for data, src in file_layers:
            layers.merge(data, src)
        main = file_layers[-1][1]
        default_name = path.parent.name if path.name == EPISODE_FILE else path.stem
    else:
        raise TypeError(f"load_scenario: source must be a name, a path, a Scenario or a mapping, not {type(source).__name__}")

    if overrides:
        layers.merge(_override_layer(overrides, layers.data), _Source(SET_LABEL))

    data = layers.data
    if tuned is not None and data.get("world") is not None:
        info = data.setdefault("scenario", {})
        if isinstance(info, dict):
            info["tuned"] = tuned
    if default_name is not None:
        info = data.setdefault("scenario", {})
        if isinstance(info, dict):
            info.setdefault("name", default_name)

    _resolve_world_folder(layers, main)
    rules = data.get("rules")
    preset = rules.get("preset", "default") if isinstance(rules, dict) else "default"
    if isinstance(preset, str) and preset in PRESET_NAMES:
        resolved = _Layers()
        resolved.merge(preset_values(preset), None)
        resolved.merge(data, None)
        data = resolved.data

    try:
        scenario = Scenario.model_validate(data, strict=True)
    except ValidationError as e:
        loc, message = error_message(e)
        raise _locate(loc, message, layers, main) from None
    found = scenario.problems()
    if found:
        raise _locate(found[0][0], found[0][1], layers, main)
    return scenario


SHARED_VALUES = Path(__file__).resolve().parent.parent / "world" / "shared_values.toml"
SHARED_LABEL = "uprising/world/shared_values.toml"
# Keys of an organisation or a group that are behavioural: the shared rules hold them.
_ORGANISATION_RULES = ("threshold", "delay_days", "end_below", "march_at", "deaths_half", "weights")


def _is_places(tables) -> bool:
    """Whether any of the file layers makes the scenario a world of places."""
    for data in tables:
        info = data.get("scenario") if isinstance(data, Mapping) else None
        if isinstance(info, Mapping) and info.get("model") == "places":
            return True
    return False


def _shared_table() -> dict[str, Any]:
    with SHARED_VALUES.open("rb") as f:
        return tomllib.load(f)


def _shared_layer() -> tuple[dict[str, Any], _Source]:
    """The behavioural values every episode shares, laid under its own files."""
    text = SHARED_VALUES.read_text()
    return _shared_table(), _Source(SHARED_LABEL, lines=_key_lines(text), path=SHARED_VALUES)


FITS = SHARED_VALUES.parent / "fits"


def _values_name(tables: list[Mapping[str, Any]], overrides: Mapping[str, object] | None) -> str:
    """Which fitted values a world of places takes: --set scenario.values=..., else its files', else 'default'."""
    for key in ("scenario.values", "scenario__values"):
        if overrides and key in overrides:
            return str(overrides[key])
    name = "default"
    for data in tables:
        info = data.get("scenario")
        if isinstance(info, Mapping) and isinstance(info.get("values"), str):
            name = info["values"]
    return name


def fit_path(name: str, relative_to: Path | None = None) -> Path | None:
    """The file of fitted values ``name`` names: a shipped fit (world/fits/<name>.toml) or a path."""
    if name in ("", "shared"):
        return None
    shipped = FITS / f"{name}.toml"
    if shipped.is_file():
        return shipped
    given = Path(name).expanduser()
    if not given.is_absolute() and relative_to is not None:
        given = relative_to / given
    if given.suffix == ".toml" and given.is_file():
        return given
    if name == "default":
        return None
    known = sorted(p.stem for p in FITS.glob("*.toml"))
    raise UserError("scenario.values", None, f"{name!r} is neither a shipped fit nor a .toml file; shipped: "
                    f"{', '.join(known) or 'none'}, or 'shared'")


def _merge_fit(layers: _Layers, name: str, relative_to: Path) -> None:
    path = fit_path(name, relative_to)
    if path is None:
        return
    with path.open("rb") as f:
        table = tomllib.load(f)
    table.pop("fit", None)  # the fit's own description (its command, date, posterior), not values
    layers.merge(table, _Source(str(path.name), lines=_key_lines(path.read_text()), path=path))


def lay_shared(layers: _Layers, tables: list[Mapping[str, Any]], overrides: Mapping[str, object] | None,
               relative_to: Path) -> list[str] | None:
    """For a world of places, lay the shared table and its fit under the scenario's own files; the keys
    those files override (``scenario.tuned``); None for any other scenario."""
    if not _is_places(tables):
        return None
    layers.merge(*_shared_layer())
    _merge_fit(layers, _values_name(tables, overrides), relative_to)
    recorded = _recorded_tuned(tables)
    if recorded is not None:
        return recorded
    return _tuned(tables, _plain(layers.data))


def _recorded_tuned(tables: list[Mapping[str, Any]]) -> list[str] | None:
    """The ``scenario.tuned`` a resolved scenario already carries (a run's scenario.toml, a checkpoint's
    scenario): the loader wrote it from the episode's own files, and it stays as written. Read anew, such a
    file cannot tell an episode's value from a --set override folded into it (``world.scale``), so counting
    again would list the override and the scenario would not read back to itself."""
    found: list[str] | None = None
    for data in tables:
        info = data.get("scenario") if isinstance(data, Mapping) else None
        if isinstance(info, Mapping) and isinstance(info.get("tuned"), list):
            found = [str(k) for k in info["tuned"]]
    return found


def shared_keys() -> list[str]:
    """The dotted keys of the shared table (``uprising budget`` and the docs list them)."""
    return sorted(_dotted(p) for p in _leaf_paths(_shared_table(), ()))


def _leaf_paths(value: Any, prefix: tuple):
    if isinstance(value, Mapping) and not (prefix and prefix[-1] in ("tolerance", "weights")):
        for k, v in value.items():
            yield from _leaf_paths(v, prefix + (k,))
    else:
        yield prefix


def _value_at(table: Mapping[str, Any], path: tuple) -> Any:
    node: Any = table
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


_MISSING = object()


def _tuned(tables: list[Mapping[str, Any]], under: Mapping[str, Any]) -> list[str]:
    """The shared values the episode's own files set to something else than the table under them (the
    shared table and its fit): overrides in the open. A file that repeats a shared value (a resolved
    scenario.toml, written by a run) tunes nothing."""
    shared = set(_leaf_paths(_shared_table(), ()))
    rules = _value_at(under, ("organisation_rules",))
    found: list[str] = []
    for data in tables:
        for path in _leaf_paths(data, ()):
            hit = next((s for s in shared if path[: len(s)] == s), None)
            if hit is not None and _value_at(data, hit) != _value_at(under, hit):
                found.append(_dotted(hit))
        for org in data.get("organisations", []) or []:
            if isinstance(org, Mapping):
                found += [f"organisations.{org.get('name', '?')}.{k}" for k in _ORGANISATION_RULES
                          if org.get(k) is not None and (not isinstance(rules, Mapping) or org[k] != rules.get(k))]
        for group in data.get("groups", []) or []:
            if isinstance(group, Mapping) and group.get("legitimacy") is not None:
                found.append(f"groups.{group.get('name', '?')}.legitimacy")
    return sorted(set(found))


def _resolve_world_folder(layers: _Layers, main: _Source) -> None:
    """Make ``world.folder`` absolute: relative to the file that wrote it, else the episode folder of
    the deepest layer that has a ``places.csv`` beside it (the episode the scenario is built on)."""
    world = layers.data.get("world")
    if not isinstance(world, dict):
        return
    given = world.get("folder")
    if isinstance(given, str) and given:
        src = layers.source_of(("world", "folder"))
        base = src.path.parent if src is not None and src.path is not None else Path.cwd()
        folder = Path(given).expanduser()
        folder = folder if folder.is_absolute() else base / folder
    else:
        files = sorted({id(s): s for s in layers.origin.values() if s.path is not None}.values(), key=lambda s: s.order)
        beside = [s.path.parent for s in files if (s.path.parent / "places.csv").is_file()]
        if not beside:
            label = main.label
            raise UserError(label, "world.folder", "no places.csv beside this file; allowed: an episode folder "
                            "(places.csv, roads.csv, record.toml beside scenario.toml) or world.folder = \"PATH\"",
                            line=main.lines.get(("world",)))
        folder = beside[0]
    world["folder"] = str(folder.resolve())


def _locate(loc: tuple, message: str, layers: _Layers, main: _Source) -> UserError:
    """A cross-section problem at ``loc`` as a UserError naming the file, line and key."""
    source = layers.source_of(loc) or main
    line = None
    for n in range(len(loc), 0, -1):
        if loc[:n] in source.lines:
            line = source.lines[loc[:n]]
            break
    return UserError(source.label, _dotted(loc) or None, message, line=line)


__all__ = [
    "load_scenario",
    "list_scenarios",
    "shipped_names",
    "shipped_episodes",
    "shipped_path",
    "episode_folder",
    "scenario_to_dict",
    "scenario_to_toml",
    "parse_value",
    "parse_assignments",
    "describe_allowed",
    "all_keys",
    "SET_LABEL",
]
