"""The dashboard in real headless Chromium against a real Mosquitto (WebSocket listener).

A replay publishes a single-leg ball curl set; the page must show the same rep count and
the same per-rep values as the events a plain MQTT subscriber received. Then Mosquitto
is SIGKILLed and restarted on the same ports: the page must notice, reconnect by itself,
and show the next set (the other leg), including the left/right comparison. Reloaded,
the page fills its rep table again from the retained recent reps of the last run. Last,
a publisher hangs (stale) and dies (offline, by its Last Will).

Chromium and Playwright are requirements, not options: CI installs both (.ci/run and the
dev extras), so a missing one fails this test instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eccentric.app.dashboard.server import DashboardConfig, DashboardServer
from eccentric.app.demo.roster import RECORDINGS_DIR
from tests.mqtt.brokers import Mosquitto
from tests.mqtt.subscriber import Collector

BASE = "dashtest"
ATHLETE = "anna"
TARGET = "2-3-1-x"
LEFT = RECORDINGS_DIR / "ball_single_left_ankle_polar104.jsonl.gz"     # 8 reps, 85 s
RIGHT = RECORDINGS_DIR / "ball_single_right_shank_witmotion.jsonl.gz"  # 8 reps, 73 s
SPEED = "25"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
CARD = f"[data-athlete='{ATHLETE}']"
MAX_REP_ROWS = 12  # app.js keeps the newest 12 reps per athlete in its table

ROWS_JS = """rows => rows.map(r => ({id: r.dataset.repId, off: r.classList.contains('off-target'),
  cells: Object.fromEntries([...r.cells].map(c => [c.dataset.col, c.textContent]))}))"""


def chromium_path() -> str:
    for candidate in (os.environ.get("ECCENTRIC_CHROMIUM"), shutil.which("chromium"),
                      "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail("chromium is not installed (apt-get install -y chromium); the dashboard "
                "browser test needs it and never downloads a browser")


@pytest.fixture
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is missing: pip install -e '.[dev]'")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()



def replay(port: int, path: Path, tmp_path: Path, n: int,
           speed: str = SPEED) -> subprocess.Popen[bytes]:
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path))
    return subprocess.Popen(
        [sys.executable, "-m", "eccentric", "replay", str(path), "--speed", speed,
         "--broker", f"mqtt://127.0.0.1:{port}", "--mqtt-base", BASE, "--athlete", ATHLETE,
         "--target-tempo", TARGET, "--mqtt-queue", str(tmp_path / f"q{n}.sqlite3"),
         "--mqtt-client-id", f"dashtest-pub-{n}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)


def finish(proc: subprocess.Popen[bytes]) -> None:
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode(errors="replace")


def published(collector: Collector, leaf: str) -> list[dict[str, Any]]:
    """Events as a de-duplicating subscriber sees them (by id, first copy wins)."""
    out: dict[str, dict[str, Any]] = {}
    for m in collector.on(f"{BASE}/{ATHLETE}/{leaf}"):
        doc = m.json()
        out.setdefault(doc["id"], doc)
    return list(out.values())


def number(text: str, unit: str) -> float:
    assert text.endswith(unit), f"{text!r} lacks the unit {unit!r}"
    return float(text[: -len(unit)].replace("\u2212", "-"))


def check_cell(text: str, value: Any, unit: str, tol: float) -> None:
    if value is None:
        assert text == "—"
    else:
        assert abs(number(text, unit) - value) <= tol, (text, value)


def check_rows(page: Any, reps: list[dict[str, Any]], timeout_s: float = 10.0) -> None:
    """Every published rep has its row, with the published values (display rounding)."""
    want = {r["id"]: r for r in reps}
    deadline = time.monotonic() + timeout_s
    while True:
        rows = {row["id"]: row for row in
                page.eval_on_selector_all(f"{CARD} table.reps tbody tr", ROWS_JS)}
        if set(want) <= set(rows) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert set(want) <= set(rows), f"missing rows: {sorted(set(want) - set(rows))}"
    for rep_id, rep in want.items():
        cells, off = rows[rep_id]["cells"], rows[rep_id]["off"]
        assert cells["set"] == str(rep["set"])
        assert cells["rep_in_set"] == str(rep["rep_in_set"])
        assert cells["side"] == rep.get("side", "—")
        check_cell(cells["eccentric_s"], rep["eccentric_s"], " s", 0.0051)
        check_cell(cells["concentric_s"], rep["concentric_s"], " s", 0.0051)
        check_cell(cells["hold_s"], rep.get("hold_s"), " s", 0.0051)
        check_cell(cells["break_angle_deg"], rep.get("break_angle_deg"), "°", 0.051)
        check_cell(cells["rom_deg"], rep["rom_deg"], "°", 0.051)
        assert cells["tempo"] == rep["tempo"]
        ok = rep["within_target_tempo"]
        assert cells["target"] == ("✓ on" if ok else "✗ off")
        assert off is (not ok), "off-target rows are highlighted, the others not"


def text(page: Any, selector: str) -> str:
    return str(page.inner_text(selector))


def wait_state(page: Any, selector: str, state: str, timeout_s: float = 15.0) -> None:
    page.wait_for_selector(f"{selector}[data-state='{state}']", timeout=timeout_s * 1000)


def test_dashboard_shows_published_reps_and_recovers_after_broker_restart(
        browser: Any, mosquitto: Mosquitto, tmp_path: Path) -> None:
    # Stale after 6 s of silence instead of 65 s, so a hung publisher shows in a test.
    server = DashboardServer(DashboardConfig(mosquitto.ws_url, base=BASE, stale_after_s=6.0),
                             0).start()
    collector = Collector(mosquitto.port, f"{BASE}/#", client_id="dashtest-collector")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    console_errors: list[str] = []
    page_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    try:
        page.goto(server.url)
        wait_state(page, "#conn-text", "connected", 10)

        # --- a replay running: live trace, online, then every rep as published ----------
        pub = replay(mosquitto.port, LEFT, tmp_path, 1)
        wait_state(page, f"{CARD} [data-field='availability']", "online", 20)
        page.wait_for_function(
            f"() => Number(document.querySelector(\"{CARD} canvas.spark\").dataset.points) > 3",
            timeout=20_000)
        assert text(page, f"{CARD} [data-field='angle']").endswith("°")
        finish(pub)
        assert collector.wait_for(lambda ms: any(m.topic == f"{BASE}/{ATHLETE}/set"
                                                 for m in ms), 10)
        left_reps = published(collector, "rep")
        (left_set,) = published(collector, "set")
        assert len(left_reps) == left_set["reps"] >= 6
        check_rows(page, left_reps)
        assert text(page, f"{CARD} [data-field='reps']") == str(len(left_reps))
        assert any(not r["within_target_tempo"] for r in left_reps), "nothing to highlight"
        line = text(page, f"{CARD} [data-field='set-line']")
        assert f"Set 1 · {left_set['reps']} reps" in line and "left leg" in line
        assert f"{left_set['reps_outside_target']} of {left_set['reps']} reps outside {TARGET}" \
            in line
        trend = text(page, f"{CARD} table.summary tr[data-measure='eccentric_s'] "
                           "td[data-col='trend']")
        assert abs(number(trend.rstrip(" ↑↓"), " %") - left_set["trend_pct"]["eccentric_s"]) \
            <= 0.051
        assert "waiting for a right-leg set" in text(page, f"{CARD} [data-field='lr-note']")
        # The publisher exited cleanly: its retained status says so.
        wait_state(page, f"{CARD} [data-field='availability']", "offline", 10)
        assert console_errors == [] and page_errors == []

        # --- broker killed and restarted on the same ports -------------------------------
        mosquitto.kill()
        wait_state(page, "#conn-text", "reconnecting", 10)
        wait_state(page, f"{CARD} [data-field='availability']", "unknown", 5)
        mosquitto.start()
        t0 = time.monotonic()
        wait_state(page, "#conn-text", "connected", 20)
        reconnect_s = time.monotonic() - t0
        assert collector.connected.wait(10)

        pub = replay(mosquitto.port, RIGHT, tmp_path, 2)
        wait_state(page, f"{CARD} [data-field='availability']", "online", 20)
        finish(pub)
        assert collector.wait_for(lambda ms: len(
            {m.json()["id"] for m in ms if m.topic == f"{BASE}/{ATHLETE}/set"}) == 2, 10)
        right_reps = [r for r in published(collector, "rep") if r["side"] == "right"]
        right_set = next(s for s in published(collector, "set") if s["side"] == "right")
        assert len(right_reps) == right_set["reps"] >= 6
        check_rows(page, right_reps)
        # A new session: the counter follows it, not the sum of both.
        assert text(page, f"{CARD} [data-field='reps']") == str(len(right_reps))
        lr = f"{CARD} table.sides"
        page.wait_for_selector(f"{lr}:not([hidden])", timeout=5000)
        assert text(page, f"{lr} tr[data-measure='reps'] td[data-col='left']") == \
            f"{left_set['reps']} reps"
        assert text(page, f"{lr} tr[data-measure='reps'] td[data-col='right']") == \
            f"{right_set['reps']} reps"
        for side, doc in (("left", left_set), ("right", right_set)):
            cell = text(page, f"{lr} tr[data-measure='eccentric_s'] td[data-col='{side}']")
            assert abs(number(cell, " s") - doc["eccentric_s_mean"]) <= 0.0051
        assert page_errors == []

        shot = tmp_path / "dashboard.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000

        rows_before = page.eval_on_selector_all(f"{CARD} table.reps tbody tr", ROWS_JS)
        assert len(rows_before) == min(len(left_reps) + len(right_reps), MAX_REP_ROWS)

        # --- reloaded: the retained recent reps of the last run fill the table again -----
        page.reload()
        wait_state(page, "#conn-text", "connected", 10)
        check_rows(page, right_reps)
        rows_after = page.eval_on_selector_all(f"{CARD} table.reps tbody tr", ROWS_JS)
        # That run's reps, newest first, as before the reload (the left run's are gone:
        # the history is the current run's).
        assert [r["id"] for r in rows_after] == [r["id"] for r in reversed(right_reps)]
        assert [r["id"] for r in rows_after] == [r["id"] for r in rows_before][:len(rows_after)]
        assert text(page, f"{CARD} [data-field='reps']") == str(len(right_reps))
        assert page_errors == []

        # --- phone-sized screen: no sideways scrolling of the page itself ---------------
        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_timeout(200)
        scroll_w, client_w = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert scroll_w <= client_w == 390
        box = page.locator(CARD).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        page.screenshot(path=str(tmp_path / "dashboard-phone.png"), full_page=True)

        # --- a publisher that hangs, then dies ---------------------------------------------
        # Hung (SIGSTOP), its connection stays open and its retained status says online;
        # the broker would notice only after 1.5x the keepalive (45 s). Silence tells the
        # page sooner: stale. Killed, the kernel closes the socket and the broker
        # publishes the Last Will at once: offline.
        pub = replay(mosquitto.port, LEFT, tmp_path, 3, speed="5")  # 17 s: hangs mid-set
        badge = f"{CARD} [data-field='availability']"
        wait_state(page, badge, "online", 20)
        points = f"Number(document.querySelector(\"{CARD} canvas.spark\").dataset.points)"
        page.wait_for_function(f"() => {points} > 3", timeout=20_000)  # live is flowing
        try:
            pub.send_signal(signal.SIGSTOP)
            t0 = time.monotonic()
            page.wait_for_timeout(3000)
            assert text(page, badge) == "online"  # a few quiet seconds are not stale yet
            wait_state(page, badge, "stale", 10)
            stale_s = time.monotonic() - t0
            assert text(page, badge) == "stale · no data"
            assert 5.0 <= stale_s <= 9.0, stale_s  # 6 s window, checked every second
            assert pub.poll() is None  # hung, not finished
        finally:
            pub.kill()
            pub.wait(10)
        wait_state(page, badge, "offline", 10)
        assert text(page, "#bridge-text") == "publisher: offline"
        assert page_errors == []
        print(f"page reconnected {reconnect_s:.1f} s after the broker restart; stale "
              f"{stale_s:.1f} s after the publisher hung; screenshots in {tmp_path}")
    finally:
        page.close()
        collector.client.loop_stop()
        collector.client.disconnect()
        server.stop()


def test_dashboard_opened_and_closed_ten_times_during_a_demo(browser: Any) -> None:
    """Tabs that come and go leave the demo clean: each one connects, and closing it (as
    soon as it is connected, among its retained messages, or with live data flowing)
    prints nothing on the demo's stderr, no traceback above all."""
    from tests.dashboard.test_demo import demo_process

    demo = demo_process("--speed", "20", "--duration", "90", "--quiet")
    try:
        url = demo.wait_line(r"Dashboard:\s+(http://127\.0\.0\.1:\d+/)").group(1)
        demo.wait_line(r"Press Ctrl-C")
        for n in range(10):
            context = browser.new_context()
            page = context.new_page()
            page.goto(url)
            wait_state(page, "#conn-text", "connected", 15)
            if n % 3 == 1:
                page.wait_for_selector("[data-athlete]", timeout=10_000)
            elif n % 3 == 2:
                page.wait_for_function(
                    "() => [...document.querySelectorAll('canvas.spark')]"
                    ".some(c => Number(c.dataset.points) > 3)", timeout=10_000)
            context.close()
        assert demo.proc.poll() is None, "the demo ended early"
        demo.proc.send_signal(signal.SIGINT)
        rc, out, err = demo.finish(20)
        assert rc == 0 and "stopped" in out
        assert "Traceback" not in err and "Task exception was never retrieved" not in err
        assert "ERROR" not in err and "WARNING" not in err, err
    finally:
        demo.kill()


HOLD_ROWS_JS = """rows => rows.map(r => ({id: r.dataset.holdId,
  off: r.classList.contains('off-target'),
  cells: Object.fromEntries([...r.cells].map(c => [c.dataset.col, c.textContent]))}))"""
# Samples the running hold timer (s) every 50 ms from page load, while it runs.
TIMER_PROBE_JS = """window.__timer = [];
setInterval(() => {
  const el = document.querySelector("[data-field='hold-timer']");
  if (el && el.dataset.state === "running") window.__timer.push(Number(el.dataset.seconds));
}, 50);"""


def test_dashboard_shows_a_running_hold_timer_and_the_published_holds(
        browser: Any, mosquitto: Mosquitto, tmp_path: Path) -> None:
    from eccentric.app import cli

    plank = tmp_path / "plank.jsonl.gz"
    assert cli.main(["simulate", "--exercise", "side_plank", "--placement", "trunk",
                     "--seed", "11", "--reps", "2", "--side", "right",
                     "--out", str(plank)]) == 0
    server = DashboardServer(DashboardConfig(mosquitto.ws_url, base=BASE), 0).start()
    collector = Collector(mosquitto.port, f"{BASE}/#", client_id="dashtest-hold-collector")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page_errors: list[str] = []
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    page.add_init_script(TIMER_PROBE_JS)
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path))
    try:
        page.goto(server.url)
        wait_state(page, "#conn-text", "connected", 10)
        pub = subprocess.Popen(
            [sys.executable, "-m", "eccentric", "replay", str(plank), "--speed", "8",
             "--broker", f"mqtt://127.0.0.1:{mosquitto.port}", "--mqtt-base", BASE,
             "--athlete", ATHLETE, "--target-hold", "57-62",
             "--mqtt-queue", str(tmp_path / "qh.sqlite3"), "--mqtt-client-id", "dashtest-hold"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        # While the first hold is in progress the timer runs and the gauge says so.
        page.wait_for_selector(f"{CARD} [data-field='hold-timer'][data-state='running']",
                               timeout=60_000)
        assert page.is_visible(f"{CARD} [data-field='hold-gauge']")
        assert text(page, f"{CARD} [data-field='hold-timer']").endswith(" s")
        finish(pub)
        assert collector.wait_for(lambda ms: any(m.topic == f"{BASE}/{ATHLETE}/set"
                                                 for m in ms), 10)
        holds = published(collector, "hold")
        (plank_set,) = published(collector, "set")
        assert len(holds) == plank_set["holds"] == 2
        assert {h["outside_target"] for h in holds} == {True, False}, "nothing to highlight"

        def check_hold_rows() -> None:
            page.wait_for_function(
                f"() => document.querySelectorAll(\"{CARD} table.holds tbody tr\").length"
                f" >= {len(holds)}", timeout=10_000)
            rows = page.eval_on_selector_all(f"{CARD} table.holds tbody tr", HOLD_ROWS_JS)
            assert [r["id"] for r in rows] == [h["id"] for h in reversed(holds)]  # newest first
            for row, h in zip(rows, reversed(holds), strict=True):
                cells = row["cells"]
                assert cells["set"] == str(h["set"])
                assert cells["hold_in_set"] == str(h["hold_in_set"])
                assert cells["side"] == h["side"] == "right"
                check_cell(cells["duration_s"], h["duration_s"], " s", 0.0051)
                check_cell(cells["sway_deg"], h["sway_deg"], "°", 0.051)
                assert cells["hip_dips"] == str(h["hip_dips"])
                assert cells["target"] == ("✗ off" if h["outside_target"] else "✓ on")
                assert row["off"] is h["outside_target"]

        check_hold_rows()
        # The timer, sampled while each hold was running, ended near each hold's duration
        # (live samples are a fraction of a second apart in stream time at this speed).
        times: list[float] = page.evaluate("window.__timer")
        runs: list[list[float]] = []
        for v in times:
            if not runs or v < runs[-1][-1] - 0.5:
                runs.append([])
            runs[-1].append(v)
        assert len(runs) == len(holds), [(r[0], r[-1]) for r in runs]
        for run, h in zip(runs, holds, strict=True):
            assert run[0] < 5.0 and abs(run[-1] - h["duration_s"]) < 2.0, (run[-1], h)
        line = text(page, f"{CARD} [data-field='set-line']")
        n_out = plank_set["holds_outside_target"]
        assert "2 holds" in line and f"{n_out} of 2 holds outside 57-62 s" in line

        # Reloaded: the holds come back from the retained recent history.
        page.reload()
        wait_state(page, "#conn-text", "connected", 10)
        check_hold_rows()
        assert page_errors == []
        print(f"hold timer at the end of each hold {[round(r[-1], 2) for r in runs]} s; "
              f"durations {[h['duration_s'] for h in holds]} s")
    finally:
        page.close()
        collector.client.loop_stop()
        collector.client.disconnect()
        server.stop()
