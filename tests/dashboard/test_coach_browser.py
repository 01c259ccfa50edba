"""The coach panel and the alert banner in real headless Chromium, against a running
``eccentric replay`` with its embedded broker (MQTT over WebSockets): a fatiguing Nordic
set raises an alert that the card shows at once; the tempo field and the buttons publish
commands the replay applies (set_target_tempo; stop_set closes the set shown as "Last
set"; next_block moves the card's plan line on) or refuses (a malformed tempo), and
the card shows each result. Desktop (1280x800) and phone (390x844) screenshots are
taken with the alert visible; with ECCENTRIC_SHOTS=docs/img they are written there
for the README."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from eccentric.app.dashboard.server import DashboardConfig, DashboardServer
from eccentric.app.demo.roster import RECORDINGS_DIR
from eccentric.mqtt.broker import free_port
from tests.dashboard.test_browser import browser, wait_state  # noqa: F401  (fixture)
from tests.mqtt.brokers import wait_port

ROOT = Path(__file__).resolve().parents[2]
BASE = "coachdash"
ATHLETE = "ana"
CARD = f"[data-athlete='{ATHLETE}']"
PLAN = """
[[block]]
exercise = "nordic_curl"
sets = 3
target_tempo = "5-1-1-0"
[[block]]
exercise = "nordic_curl"
sets = 1
reps = 4
"""
FATIGUE = RECORDINGS_DIR / "nordic_trunk_movesense_fatigue.jsonl.gz"  # 8 reps, slowing


def test_coach_buttons_and_alert_banner(browser: Any, tmp_path: Path) -> None:  # noqa: F811
    port, ws_port = free_port(), free_port()
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN)
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path))
    proc = subprocess.Popen(
        [sys.executable, "-m", "eccentric", "replay", str(FATIGUE), "--speed", "5",
         "--broker", "embedded", "--mqtt-port", str(port), "--ws-port", str(ws_port),
         "--mqtt-base", BASE, "--athlete", ATHLETE, "--plan", str(plan),
         "--mqtt-queue", str(tmp_path / "q.sqlite3"), "--json"],
        cwd=ROOT, env=env, stdout=(tmp_path / "events.jsonl").open("w"),
        stderr=(tmp_path / "stderr.txt").open("w"))
    server = None
    page = None
    try:
        wait_port(ws_port, 20)
        server = DashboardServer(DashboardConfig(f"ws://127.0.0.1:{ws_port}/mqtt",
                                                 base=BASE), 0).start()
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server.url)
        wait_state(page, "#conn-text", "connected", 10)
        alert = page.wait_for_selector(f"{CARD} [data-field='alert']:not([hidden])",
                                       timeout=30_000)
        assert alert is not None
        text = alert.text_content() or ""
        assert text.startswith("Set 1:") and ("tempo" in text or "down" in text), text
        assert page.text_content(f"{CARD} [data-field='plan']") == \
            "Plan block 1/2: 3 × nordic curl at 5-1-1-0"

        reply = f"{CARD} [data-field='reply']"
        # The tempo field: the session takes the new target (the same one, restated).
        page.fill(f"{CARD} [data-field='pick-tempo']", "5-1-1-0")
        page.click(f"{CARD} button[data-cmd='set_target_tempo']")
        page.wait_for_selector(f"{reply}[data-ok='yes']", timeout=10_000)
        assert "set target tempo applied at" in (page.text_content(reply) or "")

        # Screenshots while the alert shows (set 1 lasts until the stop below).
        shots = Path(os.environ.get("ECCENTRIC_SHOTS", tmp_path))
        desktop, phone = shots / "dashboard-coach.png", shots / "dashboard-coach-phone.png"
        page.screenshot(path=str(desktop), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_timeout(300)
        # On a phone the banner and the buttons are still on screen, not cut off.
        box = page.locator(f"{CARD} [data-field='alert']").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        button = page.locator(f"{CARD} button[data-cmd='stop_set']").bounding_box()
        assert button is not None and button["x"] + button["width"] <= 390
        page.screenshot(path=str(phone), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 800})

        # A refused command: the card says why, the replay keeps going.
        page.fill(f"{CARD} [data-field='pick-tempo']", "abc")
        page.click(f"{CARD} button[data-cmd='set_target_tempo']")
        page.wait_for_selector(f"{reply}[data-ok='no']", timeout=10_000)
        assert "set target tempo refused: tempo: 'abc'" in (page.text_content(reply) or "")

        # Applied ones: stop_set closes the open set, which the card then shows; next
        # block moves the plan line on.
        assert page.is_hidden(f"{CARD} [data-field='set']")
        page.click(f"{CARD} button[data-cmd='stop_set']")
        page.wait_for_selector(f"{reply}[data-ok='yes']", timeout=10_000)
        assert "stop set applied at" in (page.text_content(reply) or "")
        page.wait_for_selector(f"{CARD} [data-field='set']:not([hidden])", timeout=10_000)
        page.click(f"{CARD} button[data-cmd='next_block']")
        page.wait_for_selector(f"{reply}[data-ok='yes']", timeout=10_000)
        assert "next block applied at" in (page.text_content(reply) or "")
        page.wait_for_function(
            "sel => (document.querySelector(sel) || {}).textContent"
            " === 'Plan block 2/2: 1 × nordic curl, 4 reps'",
            arg=f"{CARD} [data-field='plan']", timeout=10_000)
        assert desktop.stat().st_size > 20_000 and phone.stat().st_size > 20_000
        assert not errors, errors
    finally:
        if page is not None:
            page.close()
        if server is not None:
            server.stop()
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
