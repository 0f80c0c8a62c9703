"""One-line messages for a user's mistakes in a scenario: key paths, what a field allows, the
nearest key, and pydantic's errors worded for people (:func:`error_message`). The loader and the
sweep specs both word their errors here."""

from __future__ import annotations

import datetime
import difflib
import math
import re
import types
import typing
from typing import Any, Literal

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from uprising.scenarios.schema import Scenario

DATE_WORDS = "a date YYYY-MM-DD (a TOML date: no quotes)"
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END = re.compile(r"\s*\(at end of document\)\s*$")


def toml_error(label: str, text: str, error: Exception):
    """A TOML file's syntax error (``tomllib.TOMLDecodeError``) as the loader words it, for every
    TOML file (scenario, record.toml, sweep specs): ``FILE:LINE: column N: malformed TOML: ...``."""
    from uprising.errors import UserError

    message, line = str(error), None
    if m := _TOML_POSITION.search(message):
        line = int(m.group(1))
        message = f"column {m.group(2)}: malformed TOML: {message[: m.start()]}"
    elif _TOML_END.search(message):
        line = text.count("\n") + 1
        message = f"malformed TOML at end of file: {_TOML_END.sub('', message)}"
    else:
        message = f"malformed TOML: {message}"
    return UserError(label, None, message + " (see https://toml.io)", line=line)


def word_error(err: dict) -> tuple[str, str]:
    """(dotted key, message) of one of pydantic's errors in a TOML file that is not a scenario
    (record.toml): dates worded as in a scenario, a list's items as ``phases[0].date``."""
    kind = str(err.get("type", ""))
    value = err.get("input")
    if kind.startswith(("date_", "datetime_")):
        message = f"{_show(value)} is not a date; allowed: a date YYYY-MM-DD"
    elif kind == "value_error":
        message = str(err.get("ctx", {}).get("error", err.get("msg", "")))
    else:
        message = str(err.get("msg", "")).removeprefix("Value error, ")
    return _dotted(tuple(err.get("loc", ()))), message


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
    elif annotation is datetime.date:
        text = DATE_WORDS
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


def error_message(error: ValidationError, field_at=None, unknown_key=None) -> tuple[tuple, str]:
    """(location, one-line message) of pydantic's first error: what is wrong and what is allowed.

    ``field_at(loc)`` finds the field's description (default: the scenario's); ``unknown_key(loc)``
    words an unknown key (default: the nearest scenario key)."""
    field_at = field_at or _field_at
    unknown_key = unknown_key or _suggest_key
    errors = error.errors()
    first = errors[0]
    loc = tuple(first["loc"])
    kind = first["type"]
    value = first.get("input")
    info = field_at(loc)
    allowed = describe_allowed(info) if info is not None else None

    if kind == "extra_forbidden":
        message = unknown_key(loc)
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
    elif kind.startswith(("date_", "datetime_")) and not isinstance(value, str):
        message = f"{_show(value)} is not a date; allowed: {DATE_WORDS}"
    elif kind.endswith("_type") or kind in ("int_from_float", "int_parsing", "float_parsing", "bool_parsing"):
        if kind in ("model_type", "dict_type"):
            message = f"expected a table ([{_dotted(loc)}]), got {_toml_type(value)}"
        elif kind == "list_type":
            message = f"expected an array of tables ([[{_dotted(loc)}]]), got {_toml_type(value)}"
        elif isinstance(value, float) and math.isfinite(value) and info is not None and _wants_int(info):
            message = _float_for_int(value, info, allowed)
        else:
            got = _toml_type(value) if isinstance(value, (dict, list)) else f"{_toml_type(value)} {_show(value)}"
            message = f"expected {allowed}, got {got}"
    elif kind == "value_error":
        message = str(first.get("ctx", {}).get("error", first["msg"]))
    else:
        message = first["msg"]
    return loc, and_more(message, error)


def _wants_int(info: FieldInfo) -> bool:
    annotation = info.annotation
    args = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    return int in args and float not in args


def _float_for_int(value: float, info: FieldInfo, allowed: str | None) -> str:
    """A whole-number field given a decimal number (TOML ``1e12``, ``56.0``, ``56.5``): not a
    whole number, out of range, or a whole number to write without a point or an exponent."""
    if not value.is_integer():
        return f"{value:g} is not a whole number; allowed: {allowed}"
    lo = hi = None
    for m in info.metadata:
        if isinstance(m, (Ge, Gt)):
            lo = (m.ge if isinstance(m, Ge) else m.gt + 1)
        elif isinstance(m, (Le, Lt)):
            hi = (m.le if isinstance(m, Le) else m.lt - 1)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        return f"{value:g} is out of range; allowed: {allowed}"
    return (f"{value!r} is written as a decimal number; allowed: {allowed}, written without a point or an "
            f"exponent ({int(value)})")


def and_more(message: str, error: ValidationError) -> str:
    """``message`` plus how many more problems pydantic found."""
    n = len(error.errors()) - 1
    return message + (f" (and {n} more problem{'s' if n > 1 else ''})" if n > 0 else "")

