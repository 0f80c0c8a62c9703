"""Screenshot of a classic report for the README: docs/img/report-classic.png.

    .venv/bin/python scripts/report_screenshot.py [RUN_DIR] [--out docs/img/report-classic.png]

With no RUN_DIR, runs epstein-1 (seed 1) through the public Simulation API into a temporary
directory, writes its report, opens it in headless Chromium (/usr/bin/chromium) and saves a
screenshot of the page.
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


def screenshot(html: Path, png: Path, width: int = 1320, height: int = 1100) -> Path:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
        page.goto(html.resolve().as_uri(), wait_until="load")
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=15_000)
        page.wait_for_timeout(300)
        png.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(png), full_page=True)
        browser.close()
    return png


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", nargs="?", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "report-classic.png")
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--frame-every", type=int, default=1)
    args = parser.parse_args(argv)

    from uprising.report import write_report

    with tempfile.TemporaryDirectory() as tmp:
        run_dir = args.run_dir or make_run(Path(tmp) / "epstein-1", args.steps, args.frame_every)
        html = write_report(run_dir)
        print(screenshot(html, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
