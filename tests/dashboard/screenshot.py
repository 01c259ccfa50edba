"""Regenerate the README's dashboard screenshot from the real demo.

    .venv/bin/python -m tests.dashboard.screenshot docs/img/dashboard.png

Runs ``eccentric demo`` sped up, opens the page in headless Chromium (the system one,
as in the browser test), waits until the single-leg athlete has both a left and a right
set (so the left/right comparison shows), and saves a full-page PNG, quantised with
pngquant when it is installed (keeps the README image well under 300 KB).
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.dashboard.test_browser import CHROMIUM_ARGS, chromium_path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("--speed", default="8")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--timeout", type=float, default=120.0)
    args = ap.parse_args(argv)

    from playwright.sync_api import sync_playwright

    demo = subprocess.Popen(
        [sys.executable, "-m", "eccentric", "demo", "--no-browser", "--quiet", "--port", "0",
         "--mqtt-port", "0", "--ws-port", "0", "--speed", args.speed,
         "--duration", str(args.timeout)], stdout=subprocess.PIPE, text=True)
    try:
        assert demo.stdout is not None
        url = None
        for line in demo.stdout:
            if m := re.search(r"Dashboard:\s+(http://\S+)", line):
                url = m.group(1)
                break
        if url is None:
            raise SystemExit("the demo printed no dashboard URL")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": args.width, "height": 900})
            page.goto(url)
            page.wait_for_selector("[data-athlete='carla'] table.sides:not([hidden])",
                                   timeout=args.timeout * 1000)
            # The comparison appears as carla's playlist ends and her next loop starts
            # from rest: wait for that loop's reps, so her card is not blank.
            card = "document.querySelector(\"[data-athlete='carla'] "
            page.wait_for_function(
                f"() => Number({card}[data-field='reps']\").textContent) >= 2 && "
                f"Number({card}canvas.spark\").dataset.points) > 20",
                timeout=args.timeout * 1000)
            time.sleep(1.0)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out), full_page=True)
            browser.close()
        if shutil.which("pngquant"):
            # 256 colours are plenty for a UI; a third of the size for the README.
            subprocess.run(["pngquant", "--quality", "70-95", "--speed", "1", "--strip",
                            "--force", "--output", str(args.out), str(args.out)], check=True)
        else:
            print("pngquant not found (apt-get install pngquant): PNG left unquantised")
        print(f"{args.out}: {args.out.stat().st_size // 1024} KiB")
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(20)
        except subprocess.TimeoutExpired:
            demo.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
