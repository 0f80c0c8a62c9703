"""Headless Chromium for tests that open pages (Debian's /usr/bin/chromium; never downloaded).

    from browser import chromium, open_page, requires_chromium

    @requires_chromium
    def test_x(tmp_path):
        with open_page(path_to_html) as session:       # or open_page(path, browser=shared)
            session.page.click("button.play")
            assert not session.errors
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest

CHROMIUM = os.environ.get("UPRISING_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_missing_reason() -> str | None:
    if not Path(CHROMIUM).is_file():
        return f"{CHROMIUM} not found (install Debian's chromium: `make browser`)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright python package is not installed"
    return None


requires_chromium = pytest.mark.skipif(
    chromium_missing_reason() is not None, reason=chromium_missing_reason() or ""
)


@dataclass
class Session:
    page: object
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)  # alert/confirm/prompt, dismissed

    @property
    def errors(self) -> list[str]:
        return self.console_errors + self.page_errors


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium (Playwright ``Browser``) for several pages; closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def open_page(
    html: Path,
    *,
    browser: object | None = None,
    width: int = 1320,
    height: int = 1000,
    wait_for: str | None = None,
) -> Iterator[Session]:
    """Open ``html`` via file:// in headless Chromium; collect console errors, page errors,
    requests and dialogs. Pass ``browser`` (from :func:`chromium`) to reuse one browser."""
    if browser is None:
        with chromium() as own, open_page(html, browser=own, width=width, height=height, wait_for=wait_for) as s:
            yield s
        return
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
    try:
        page = context.new_page()
        session = Session(page)
        page.on("console", lambda m: session.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: session.page_errors.append(str(e)))
        page.on("request", lambda r: session.requests.append(r.url))

        def on_dialog(dialog) -> None:
            session.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(Path(html).resolve().as_uri(), wait_until="load")
        if wait_for:
            page.wait_for_selector(wait_for, timeout=15_000)
        yield session
    finally:
        context.close()
