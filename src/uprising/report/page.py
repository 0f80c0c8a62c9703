"""A report page: a title and a list of sections, rendered to one self-contained HTML file.

A page knows nothing about simulations. Sections (``uprising.report.sections``) render
themselves into HTML and hand their data to the page as JSON blocks; the page inlines the
stylesheet, plotly's JavaScript (once, only if a section asked for it) and the small runtime
(``assets/report.js``) that draws plots and plays grid animations. The file has no external
references: it opens offline by double click.

plotly.js is the partial "cartesian" bundle (``assets/plotly-cartesian.min.js``, plotly.js 4.1.1
from npm's ``plotly.js-cartesian-dist-min``: scatter, bar, heatmap, histogram and a few more —
every trace type the pages draw), stored in the page deflated and base64-encoded (0.66 MB instead
of 4.8 MB for the full bundle); the runtime inflates it with the browser's
``DecompressionStream`` and runs it before drawing the plots.

    page = Page("Run 1", subtitle="Epstein Model I")
    page.add(Headline([Stat("citizens", "1,120")]))
    page.add(Figure("Actives", traces=[...], layout={...}))
    page.write(out_dir / "report.html")
"""

from __future__ import annotations

import base64
import os
import re
import tempfile
import unicodedata
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Protocol

from .escape import script_json, script_source, text


class Section(Protocol):
    """Anything with ``render(ctx) -> str`` (HTML; every user string escaped by the section)."""

    def render(self, ctx: "RenderContext") -> str: ...


class RenderContext:
    """What sections ask of the page while rendering: unique ids, data blocks, plotly."""

    def __init__(self, name: str = "report") -> None:
        self._counter = 0
        self.data_blocks: list[str] = []
        self.needs_plotly = False
        self.name = file_stem(name) or "report"  # the page's name in the files it offers to download

    def uid(self, prefix: str = "s") -> str:
        self._counter += 1
        return f"{prefix}-{self._counter}"

    def data(self, value: object, prefix: str = "data") -> str:
        """Embed ``value`` as an inert JSON block; return its element id for the runtime."""
        block_id = self.uid(prefix)
        self.data_blocks.append(
            f'<script type="application/json" id="{block_id}">{script_json(value)}</script>'
        )
        return block_id


def file_stem(value: str, limit: int = 60) -> str:
    """A safe, readable file name stem from any text: lowercase ASCII letters, digits and hyphens
    ("<b>Año</b> 1: test" -> "b-ano-b-1-test")."""
    plain = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:limit].strip("-")


@lru_cache(maxsize=None)
def asset(name: str) -> str:
    """Text of a file in ``uprising/report/assets``."""
    return resources.files("uprising.report").joinpath("assets", name).read_text(encoding="utf-8")


PLOTLY_ASSET = "plotly-cartesian.min.js"
PLOTLY_ABOUT = "plotly.js v4.1.1 (cartesian bundle), MIT licence, deflated and base64-encoded"


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """plotly.js (the partial cartesian bundle in ``assets``), deflated (zlib) and base64-encoded:
    an inert block the runtime inflates. No CDN, no network."""
    source = resources.files("uprising.report").joinpath("assets", PLOTLY_ASSET).read_bytes()
    return base64.b64encode(zlib.compress(source, 9)).decode("ascii")


def plotly_block() -> str:
    return (f'<script type="application/octet-stream" id="plotly-js" data-codec="deflate-base64" '
            f'data-about="{PLOTLY_ABOUT}">{plotly_js()}</script>')


@dataclass
class Page:
    """A titled list of sections. ``render()`` gives the HTML; ``write(path)`` writes it atomically."""

    title: str
    subtitle: str = ""
    kicker: str = "uprising report"
    meta: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    footer: str = ""

    def add(self, *sections: Section) -> "Page":
        self.sections.extend(sections)
        return self

    def render(self) -> str:
        ctx = RenderContext(self.title)
        body = "\n".join(section.render(ctx) for section in self.sections)
        meta = "".join(f"<span>{text(m)}</span>" for m in self.meta if m)
        scripts = []
        if ctx.needs_plotly:
            scripts.append(plotly_block())
        scripts.append(f"<script>{script_source(asset('report.js'))}</script>")
        return (
            "<!doctype html>\n"
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta name="generator" content="uprising">\n'
            f"<title>{text(self.title)} · {text(self.kicker)}</title>\n"
            f"<style>{asset('report.css')}</style>\n"
            "</head>\n<body>\n"
            '<header class="page-head">\n'
            f'<p class="kicker">{text(self.kicker)}</p>\n'
            f'<h1 id="page-title">{text(self.title)}</h1>\n'
            + (f'<p class="subtitle">{text(self.subtitle)}</p>\n' if self.subtitle else "")
            + (f'<p class="meta">{meta}</p>\n' if meta else "")
            + "</header>\n<main>\n"
            + body
            + "\n</main>\n"
            + (f'<footer class="page-foot">{text(self.footer)}</footer>\n' if self.footer else "")
            + "\n".join(ctx.data_blocks)
            + "\n"
            + "\n".join(scripts)
            + "\n</body>\n</html>\n"
        )

    def write(self, path: str | os.PathLike[str]) -> Path:
        return write_atomic(Path(path), self.render())


def write_atomic(path: Path, content: str) -> Path:
    """Write ``content`` to ``path`` through a temporary file in the same directory + ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path
