"""Screenshot of the live viewer for the README: docs/img/serve.png.

    .venv/bin/python scripts/serve_screenshot.py [SCENARIO] [--steps 168] [--out docs/img/serve.png]

Starts `uprising serve`'s app in a thread on a free port (seed 1), opens it in headless Chromium
(/usr/bin/chromium, as tests/browser.py), plays SCENARIO (default bolivia-2003) to step --steps,
takes one decision as the government (a state of siege with live fire in the capital, at 2/5
of the way: the first 2/5 are stepped before the page opens, so the decision lands there and not
wherever a run at full speed is when the pause arrives) so the log shows one, and
saves a screenshot of the page.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default="bolivia-2003")
    ap.add_argument("--steps", type=int, default=168)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "serve.png")
    args = ap.parse_args()

    from browser import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    from uprising.scenarios import load_scenario
    from uprising.serve.app import create_app
    from uprising.serve.runner import InThread
    from uprising.serve.session import Session

    session = Session(load_scenario(args.scenario), seed=1)
    half = args.steps * 2 // 5
    for _ in range(half):
        session.step()
    with InThread(create_app(session)) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 900}, device_scale_factor=1)
        page.goto(url)
        page.wait_for_function("window.uprisingStats && window.uprisingStats.framesDrawn > 0")
        if session.episode:
            page.select_option("#kind", "state_of_siege")
            capital = session.sim.world.names[session.sim.world.capital]
            page.select_option("#fields select[multiple]", [capital])
            page.select_option("#fields [data-field=force]", "live_fire")
            page.click("#decide")
            page.wait_for_selector("#log li.decision")
        page.select_option("#speed", "10")  # slow enough to pause near --steps
        page.click("#play")
        page.wait_for_function(f"window.uprisingStats.lastStep >= {args.steps}", timeout=120_000)
        page.click("#pause")
        time.sleep(0.6)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.out), full_page=True)
        browser.close()
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
