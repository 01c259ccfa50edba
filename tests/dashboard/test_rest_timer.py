"""The dashboard's rest timer, in real headless Chromium against a real Mosquitto.

A simulated mixed session (several exercises, rests between them) is replayed with
``--exercise any`` (from the recording header) and a rest target; desktop and phone
pages must show the rest running with its target, then the set line must name the
recognised exercise. With ECCENTRIC_SCREENSHOT_DIR set, both pages are saved there
while a rest runs (docs/img/dashboard_rest_*.png come from this test).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from eccentric.app.dashboard.server import DashboardConfig, DashboardServer
from eccentric.sim.mixed import simulate_mixed
from eccentric.sim.recording import write_recording
from tests.dashboard.test_browser import browser  # noqa: F401  (the fixture)
from tests.mqtt.brokers import Mosquitto

BASE = "resttest"
CARD = "[data-athlete='anna']"
VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}


def test_rest_timer_shows_on_desktop_and_phone(browser: Any,  # noqa: F811
                                               mosquitto: Mosquitto, tmp_path: Path) -> None:
    # Two exercises are enough for one rest; the recognising pipeline replays at a few
    # tens of times real time per core, so a short session keeps this test quick.
    mixed = simulate_mixed(2, placement="trunk", exercises=["side_plank", "nordic_curl"])
    path = tmp_path / "mixed.jsonl.gz"
    write_recording(path, mixed.recording)
    server = DashboardServer(DashboardConfig(mosquitto.ws_url, base=BASE), 0).start()
    pages = {}
    errors: list[str] = []
    try:
        for name, (w, h) in VIEWPORTS.items():
            page = browser.new_page(viewport={"width": w, "height": h})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(server.url)
            page.wait_for_selector("#conn-text[data-state='connected']", timeout=10_000)
            pages[name] = page
        env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path))
        pub = subprocess.Popen(
            [sys.executable, "-m", "eccentric", "replay", str(path), "--speed", "20",
             "--broker", f"mqtt://127.0.0.1:{mosquitto.port}", "--mqtt-base", BASE,
             "--athlete", "anna", "--rest", "60", "--mqtt-queue", str(tmp_path / "q.sqlite3"),
             "--live-hz", "5"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        running = f"{CARD} [data-field='rest-timer'][data-state='running']"
        for page in pages.values():
            page.wait_for_selector(running, timeout=60_000)
        shots = os.environ.get("ECCENTRIC_SCREENSHOT_DIR")
        if shots:
            for name, page in pages.items():
                page.screenshot(path=str(Path(shots) / f"dashboard_rest_{name}.png"),
                                full_page=name == "desktop")
        for page in pages.values():
            gauge = page.inner_text(f"{CARD} [data-field='rest-gauge']")
            assert "REST" in gauge.upper() and "of 1:00" in gauge
            assert ("under" in gauge) or ("over" in gauge)
            seconds = float(page.get_attribute(running, "data-seconds") or "nan")
            assert 0.0 <= seconds < 120.0
            line = page.inner_text(f"{CARD} [data-field='set-line']")
            assert "side plank" in line and "recognised" in line
            box = page.locator(f"{CARD} [data-field='rest-gauge']").bounding_box()
            assert box is not None and box["x"] >= 0
            assert box["x"] + box["width"] <= page.viewport_size["width"] + 1  # fits
        _, err = pub.communicate(timeout=120)
        assert pub.returncode == 0, err.decode(errors="replace")
        for page in pages.values():
            page.wait_for_selector(f"{CARD} [data-field='rest-timer'][data-state='ended']",
                                   timeout=10_000)
            assert "LAST REST" in page.inner_text(f"{CARD} [data-field='rest-gauge']").upper()
        assert errors == []
    finally:
        for page in pages.values():
            page.close()
        server.stop()
