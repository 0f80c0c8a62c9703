"""Scenario files in, a validated :class:`Scenario` out; and a Scenario back to TOML.

A scenario is resolved from layers, each overriding the one below:

1. the schema's defaults (``schema.py``);
2. the rule preset named by ``rules.preset`` (``presets.py``), if any;
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

import difflib
import itertools
import math
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import tomli_w
from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from uprising.errors import UserError
from uprising.scenarios.presets import PRESET_NAMES, preset_values
from uprising.scenarios.schema import Scenario

SET_LABEL = "--set"
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END = re.compile(r"\s*\(at end of document\)\s*$")

# --------------------------------------------------------------------------------------------
# Shipped scenarios


EPISODE_FILE = "scenario.toml"


def _shipped_dir():
    return resources.files("uprising.scenarios")


def _episodes_dir():
    return resources.files("uprising").joinpath("episodes")


def shipped_episodes() -> list[str]:
    """Names of the episode folders shipped with uprising (``uprising/episodes/<name>/``)."""
    return sorted(e.name for e in _episodes_dir().iterdir() if e.joinpath(EPISODE_FILE).is_file())


def shipped_names() -> list[str]:
    """Names of the shipped scenarios: the ``*.toml`` files of this package and the episode folders."""
    files = [
        entry.name[: -len(".toml")]
        for entry in _shipped_dir().iterdir()
        if entry.name.endswith(".toml") and not entry.name.startswith(("_", "."))
    ]
    return sorted(files + shipped_episodes())


def shipped_path(name: str) -> Path:
    """The file of the shipped scenario ``name``; :class:`UserError` if there is none."""
    if name in shipped_episodes():
        return Path(str(_episodes_dir() / name / EPISODE_FILE))
    if name in shipped_names():
        return Path(str(_shipped_dir() / f"{name}.toml"))
    raise _unknown_scenario(name, None, None)


def episode_folder(source: str | Path) -> Path | None:
    """The episode folder a source names (a shipped episode, a folder, or a folder's scenario.toml)."""
    if isinstance(source, str) and source in shipped_episodes():
        return shipped_path(source).parent
    p = Path(source).expanduser()
    if p.is_dir() and (p / EPISODE_FILE).is_file():
        return p
    if p.is_file() and (p.parent / "places.csv").is_file():
        return p.parent
    return None


def list_scenarios() -> list[tuple[str, str]]:
    """``(name, description)`` of every shipped scenario, sorted by name."""
    return [(name, load_scenario(name).scenario.description) for name in shipped_names()]


def _unknown_scenario(name: str, file: str | None, key: str | None) -> UserError:
    names = shipped_names()
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
    hint = f"did you mean '{close[0]}'? " if close else ""
    what = f"unknown scenario '{name}'" if file else "unknown scenario"
    return UserError(
        file if file else name,
        key,
        f"{what}; {hint}shipped: {', '.join(names)} (see `uprising scenarios`), "
        "or give the path of a .toml file",
    )


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
        message = str(e)
        line = None
        if m := _TOML_POSITION.search(message):
            line = int(m.group(1))
            message = f"column {m.group(2)}: malformed TOML: {message[: m.start()]}"
        elif _TOML_END.search(message):
            line = text.count("\n") + 1
            message = f"malformed TOML at end of file: {_TOML_END.sub('', message)}"
        else:
            message = f"malformed TOML: {message}"
        raise UserError(label, None, message + " (see https://toml.io)", line=line) from None


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
    if isinstance(source, Scenario):
        main = _Source(source.scenario.name)
        layers.merge(source.model_dump(exclude_none=True), main)
    elif isinstance(source, Mapping):
        main = _Source("<mapping>")
        layers.merge(source, main)
    elif isinstance(source, (str, Path)):
        if isinstance(source, Path) and source.is_dir():
            path, label = _resolve_source(str(source), None, None, None)
        elif isinstance(source, Path):
            path, label = source, str(source)
        else:
            path, label = _resolve_source(source, None, None, None)
        file_layers = _file_layers(path, label)
        for data, src in file_layers:
            layers.merge(data, src)
        main = file_layers[-1][1]
        default_name = path.parent.name if path.name == EPISODE_FILE else path.stem
    else:
        raise TypeError(f"load_scenario: source must be a name, a path, a Scenario or a mapping, not {type(source).__name__}")

    if overrides:
        layers.merge(_override_layer(overrides, layers.data), _Source(SET_LABEL))

    data = layers.data
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
        raise _translate(e, layers, main) from None
    found = scenario.problems()
    if found:
        raise _locate(found[0][0], found[0][1], layers, main)
    return scenario


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


# --------------------------------------------------------------------------------------------
# Turning pydantic's errors into one line


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The pydantic model class whose fields live at ``loc`` (``()`` is the Scenario)."""
    model: type[BaseModel] | None = Scenario
    for part in loc:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part)
        if info is None:
            return None
        model = _model_in(info.annotation)
    return model


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _field_at(loc: tuple) -> FieldInfo | None:
    names = [p for p in loc if not isinstance(p, int)]
    if not names:
        return None
    parent_loc = tuple(loc[: max(i for i, p in enumerate(loc) if not isinstance(p, int))])
    model = _model_at(parent_loc)
    if model is None:
        return None
    return model.model_fields.get(names[-1])


def all_keys() -> list[str]:
    """Every dotted key a scenario may set (``interventions[]`` for the array's items)."""
    out: list[str] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, info in model.model_fields.items():
            sub = _model_in(info.annotation)
            key = f"{prefix}{name}"
            if sub is None:
                out.append(key)
            elif typing.get_origin(info.annotation) is list:
                walk(sub, f"{key}[].")
            else:
                walk(sub, f"{key}.")

    walk(Scenario, "")
    return out


def describe_allowed(info: FieldInfo) -> str:
    """What a field accepts, in words: 'a number from 0 to 1', "one of 'a', 'b'", ..."""
    annotation = info.annotation
    optional = False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        annotation = args[0] if len(args) == 1 else annotation
    lo = hi = None
    lo_strict = hi_strict = False
    for m in info.metadata:
        if isinstance(m, Ge):
            lo = m.ge
        elif isinstance(m, Gt):
            lo, lo_strict = m.gt, True
        elif isinstance(m, Le):
            hi = m.le
        elif isinstance(m, Lt):
            hi, hi_strict = m.lt, True
    if typing.get_origin(annotation) is Literal:
        text = "one of " + ", ".join(f"'{v}'" for v in typing.get_args(annotation))
    elif annotation is bool:
        text = "true or false"
    elif annotation is str:
        text = "a string"
    elif annotation in (int, float):
        noun = "a whole number" if annotation is int else "a number"
        if lo is not None and hi is not None and not (lo_strict or hi_strict):
            text = f"{noun} from {_num(lo)} to {_num(hi)}"
        else:
            bounds = []
            if lo is not None:
                bounds.append(f"{'>' if lo_strict else '>='} {_num(lo)}")
            if hi is not None:
                bounds.append(f"{'<' if hi_strict else '<='} {_num(hi)}")
            text = f"{noun} {' and '.join(bounds)}".strip()
            if annotation is float and hi is None:
                text += " (inf allowed)"
    elif typing.get_origin(annotation) is list:
        text = "an array of tables"
    elif _model_in(annotation) is not None:
        text = "a table"
    else:
        text = str(annotation)
    return text + (" (or leave it out)" if optional else "")


def _num(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _toml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return f"a {type(value).__name__}"


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return str(value)


def _suggest_key(loc: tuple) -> str:
    name = str(loc[-1])
    parent = tuple(loc[:-1])
    model = _model_at(parent)
    siblings = list(model.model_fields) if model is not None else []
    close = difflib.get_close_matches(name, siblings, n=1, cutoff=0.6)
    section = _dotted(parent)
    where = f"in [{section}]" if section else "at the top level"
    if close:
        hint = f"did you mean '{_dotted(parent + (close[0],))}'?"
    else:
        elsewhere = [k for k in all_keys() if k.rsplit(".", 1)[-1] == name]
        if elsewhere:
            hint = f"did you mean '{elsewhere[0]}'?"
        else:
            flat = {k.rsplit(".", 1)[-1]: k for k in all_keys()}
            close = difflib.get_close_matches(name, list(flat), n=1, cutoff=0.75)
            hint = f"did you mean '{flat[close[0]]}'?" if close else ""
    allowed = f" (allowed {where}: {', '.join(siblings)})" if siblings else ""
    return f"unknown key{', ' + hint if hint else ''}{allowed}"


def _translate(error: ValidationError, layers: _Layers, main: _Source) -> UserError:
    errors = error.errors()
    first = errors[0]
    loc = tuple(first["loc"])
    kind = first["type"]
    value = first.get("input")
    info = _field_at(loc)
    allowed = describe_allowed(info) if info is not None else None

    if kind == "extra_forbidden":
        message = _suggest_key(loc)
    elif kind == "missing":
        message = "required key is missing" + (f"; allowed: {allowed}" if allowed else "")
        if info is not None and info.description:
            message += f" ({info.description.rstrip('.')})"
    elif kind == "literal_error":
        message = f"{_show(value)} is not allowed; allowed: {allowed}"
    elif isinstance(value, float) and math.isnan(value):
        message = f"nan is not allowed; allowed: {allowed}"
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        message = f"{_show(value)} is out of range; allowed: {allowed}"
    elif kind.endswith("_type") or kind in ("int_from_float", "int_parsing", "float_parsing", "bool_parsing"):
        if kind in ("model_type", "dict_type"):
            message = f"expected a table ([{_dotted(loc)}]), got {_toml_type(value)}"
        elif kind == "list_type":
            message = f"expected an array of tables ([[{_dotted(loc)}]]), got {_toml_type(value)}"
        else:
            got = _toml_type(value) if isinstance(value, (dict, list)) else f"{_toml_type(value)} {_show(value)}"
            message = f"expected {allowed}, got {got}"
    elif kind == "value_error":
        message = str(first.get("ctx", {}).get("error", first["msg"]))
    else:
        message = first["msg"]
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"

    source = layers.source_of(loc) or main
    line = None
    for n in range(len(loc), 0, -1):
        if loc[:n] in source.lines:
            line = source.lines[loc[:n]]
            break
    return UserError(source.label, _dotted(loc) or None, message, line=line)


# --------------------------------------------------------------------------------------------
# Back to TOML


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The resolved scenario as plain data (``None`` values left out, as TOML has no null)."""
    return scenario.model_dump(mode="python", exclude_none=True)


def scenario_to_toml(scenario: Scenario, *, comments: bool = False) -> str:
    """The resolved scenario as TOML text that :func:`load_scenario` reads back to an equal Scenario.

    With ``comments``, each key carries its documentation (meaning, source) as a comment.
    """
    out: list[str] = []
    _emit(scenario_to_dict(scenario), (), out, comments)
    return "\n".join(out).strip() + "\n"


def _emit(table: dict[str, Any], prefix: tuple, out: list[str], comments: bool) -> None:
    scalars = {
        k: v
        for k, v in table.items()
        if not _is_table(v) and not _is_table_array(v) and not (v == [] and _is_table_list_field(prefix + (k,)))
    }
    for key, value in scalars.items():
        line = tomli_w.dumps({key: value}).strip()
        info = _field_at(prefix + (key,)) if comments else None
        if info is not None and info.description:
            out.append(f"# {info.description}")
        out.append(line)
    for key, value in table.items():
        if _is_table(value):
            out.append("")
            out.append(f"[{_toml_key(prefix + (key,))}]")
            _emit(value, prefix + (key,), out, comments)
        elif _is_table_array(value):
            for i, item in enumerate(value):
                out.append("")
                out.append(f"[[{_toml_key(prefix + (key,))}]]")
                _emit(item, prefix + (key, i), out, comments)


def _is_table_list_field(path: tuple) -> bool:
    """An array-of-tables key (``interventions``): left out when empty, as its default is []."""
    info = _field_at(path)
    return info is not None and typing.get_origin(info.annotation) is list and _model_in(info.annotation) is not None


def _is_table(v: Any) -> bool:
    return isinstance(v, dict)


def _is_table_array(v: Any) -> bool:
    return isinstance(v, list) and len(v) > 0 and all(isinstance(x, dict) for x in v)


def _toml_key(path: tuple) -> str:
    return ".".join(tomli_w.dumps({str(p): 0}).split(" = ")[0] for p in path if not isinstance(p, int))


__all__ = [
    "load_scenario",
    "list_scenarios",
    "shipped_names",
    "shipped_path",
    "scenario_to_dict",
    "scenario_to_toml",
    "parse_value",
    "parse_assignments",
    "describe_allowed",
    "all_keys",
    "SET_LABEL",
]
