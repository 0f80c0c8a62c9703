"""A Scenario back to TOML: ``scenario_to_toml`` (with every key documented, ``comments=True``) and
``scenario_to_dict``. ``uprising show`` prints it; a run writes it beside its results."""

from __future__ import annotations

import typing
from typing import Any

import tomli_w

from uprising.scenarios.messages import _field_at, _model_in
from uprising.scenarios.schema import Scenario


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
