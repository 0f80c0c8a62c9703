"""Escaping: everything a user wrote reaches the page as text, never as markup.

Two places user strings can land:

- HTML text and attribute values: :func:`text` (``html.escape`` with quotes).
- Data for the page's scripts: :func:`script_json`, JSON safe to place inside
  ``<script type="application/json">``. ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e``,
  ``\\u0026`` so ``</script>`` or ``<!--`` in a scenario name cannot end the block, and U+2028/9
  are escaped for old JavaScript parsers. Non-finite floats become ``null`` (JSON has no NaN).
"""

from __future__ import annotations

import html
import json
import math
from typing import Any

import numpy as np


def text(value: Any) -> str:
    """``value`` as HTML text, safe in element content and in quoted attribute values."""
    return html.escape(str(value), quote=True)


def plot_text(value: Any) -> str:
    """A user string for a plotly label (trace name, title, annotation).

    plotly.js renders a subset of HTML in labels (``<b>``, ``<br>``, ``<a href>``) and decodes
    entities, so ``<``, ``>`` and ``&`` are entity-escaped to show the string as written.
    """
    return html.escape(str(value), quote=False)


def jsonable(value: Any) -> Any:
    """``value`` with numpy scalars/arrays made plain and non-finite floats made ``None``."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value


_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def script_json(value: Any) -> str:
    """JSON text of ``value`` that is inert inside a ``<script>`` element."""
    out = json.dumps(jsonable(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, escaped in _SCRIPT_ESCAPES.items():
        out = out.replace(raw, escaped)
    return out


def script_source(js: str) -> str:
    """Trusted JavaScript source (ours, plotly's) made safe to inline in ``<script>``."""
    return js.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")
