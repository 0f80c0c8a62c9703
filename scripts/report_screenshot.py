"""Screenshots of reports for the README: docs/img/report-classic.png and docs/img/report-bolivia.png.

    .venv/bin/python scripts/report_screenshot.py [RUN_DIR] [--out docs/img/report-classic.png]
    .venv/bin/python scripts/report_screenshot.py --bolivia [RUN_DIR] [--out docs/img/report-bolivia.png]

With no RUN_DIR, runs the scenario (epstein-1, seed 1; or bolivia-2003 as shipped, with
--bolivia) into a temporary directory: epstein-1 through the public Simulation API, bolivia-2003
through `uprising run` (which writes its roads, events and marches too). Then writes the report,
opens it in headless Chromium (/usr/bin/chromium) and saves a screenshot: the whole page for the
classic report, the top of the page (headline, map, actives) for Bolivia.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def make_run(out_dir: Path, steps: int, frame_every: int) -> Path:
    from uprising.output import write_run
    from uprising.simulation import Simulation

    sim = Simulation.from_scenario("epstein-1", seed=1, steps=steps, frame_every=frame_every).run()
    write_run(out_dir, timeseries=sim.timeseries(), summary=sim.summary(), frames=sim.frames())
    return out_dir


def make_bolivia_run(out_dir: Path) -> Path:
    from typer.testing import CliRunner

    from uprising.cli import app

    result = CliRunner().invoke(app, ["run", "bolivia-2003", "--out", str(out_dir), "-q"])
    if result.exit_code != 0:
        raise SystemExit(result.output)
    return out_dir


def screenshot(html: Path, png: Path, width: int = 1320, height: int = 1100, full_page: bool = True) -> Path:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
        page.goto(html.resolve().as_uri(), wait_until="domcontentloaded", timeout=120_000)
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
        page.wait_for_timeout(500)
        png.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(png), full_page=full_page)
        browser.close()
    return png


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", nargs="?", type=Path)
    parser.add_argument("--bolivia", action="store_true", help="the Bolivia page (docs/img/report-bolivia.png)")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--frame-every", type=int, default=1)
    parser.add_argument("--height", type=int, default=None, help="viewport height (Bolivia: the top of the page)")
    args = parser.parse_args(argv)

    from uprising.report import write_report

    with tempfile.TemporaryDirectory() as tmp:
        if args.bolivia:
            run_dir = args.run_dir or make_bolivia_run(Path(tmp) / "bolivia-2003")
            out = args.out or ROOT / "docs" / "img" / "report-bolivia.png"
            html = write_report(run_dir)
            print(screenshot(html, out, height=args.height or 1760, full_page=False))
        else:
            run_dir = args.run_dir or make_run(Path(tmp) / "epstein-1", args.steps, args.frame_every)
            out = args.out or ROOT / "docs" / "img" / "report-classic.png"
            html = write_report(run_dir)
            print(screenshot(html, out, height=args.height or 1100))
    return 0


if __name__ == "__main__":
    sys.exit(main())
