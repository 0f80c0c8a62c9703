"""Screenshots of reports for the README: docs/img/report-classic.png and docs/img/report-bolivia.png.

    .venv/bin/python scripts/report_screenshot.py [RUN_DIR] [--out docs/img/report-classic.png]
    .venv/bin/python scripts/report_screenshot.py --episode EPISODE [RUN_DIR] [--out PNG]
    .venv/bin/python scripts/report_screenshot.py --bolivia [RUN_DIR]   # --episode bolivia-2003,
                                                                        # docs/img/report-bolivia.png
    .venv/bin/python scripts/report_screenshot.py --bolivia RUN_DIR --width 390 --height 844 --full \
        --out phone.png                                                 # the page on a phone

With no RUN_DIR, runs the scenario (epstein-1, seed 1; or the episode as shipped, with
--episode) into a temporary directory: epstein-1 through the public Simulation API, an episode
through `uprising run` (which writes its roads, events and marches too). Then writes the report,
opens it in headless Chromium (/usr/bin/chromium) and saves a screenshot: the whole page for the
classic report, the top of the page (headline, map, actives) for an episode (--full: all of it).
An experiment's directory (e.g. `uprising validate ... --out DIR`) as RUN_DIR gets its page whole.
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


def make_episode_run(episode: str, out_dir: Path) -> Path:
    from typer.testing import CliRunner

    from uprising.cli import app

    result = CliRunner().invoke(app, ["run", episode, "--out", str(out_dir), "-q"])
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
    parser.add_argument("--episode", help="an episode's page (e.g. bolivia-2003; docs/img/report-EPISODE.png)")
    parser.add_argument("--bolivia", action="store_true", help="--episode bolivia-2003 (docs/img/report-bolivia.png)")
    parser.add_argument("--full", action="store_true", help="the whole page, not only its top")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--frame-every", type=int, default=1)
    parser.add_argument("--height", type=int, default=None, help="viewport height (episodes: the top of the page)")
    parser.add_argument("--width", type=int, default=1320, help="viewport width (390: a phone)")
    args = parser.parse_args(argv)
    if args.bolivia:
        args.episode = args.episode or "bolivia-2003"
        args.out = args.out or ROOT / "docs" / "img" / "report-bolivia.png"

    from uprising.report import write_report

    with tempfile.TemporaryDirectory() as tmp:
        if args.episode:
            run_dir = args.run_dir or make_episode_run(args.episode, Path(tmp) / args.episode)
            out = args.out or ROOT / "docs" / "img" / f"report-{args.episode}.png"
            html = write_report(run_dir)
            print(screenshot(html, out, width=args.width, height=args.height or 1760, full_page=args.full))
        else:
            run_dir = args.run_dir or make_run(Path(tmp) / "epstein-1", args.steps, args.frame_every)
            out = args.out or ROOT / "docs" / "img" / "report-classic.png"
            html = write_report(run_dir)
            print(screenshot(html, out, width=args.width, height=args.height or 1100))
    return 0


if __name__ == "__main__":
    sys.exit(main())
