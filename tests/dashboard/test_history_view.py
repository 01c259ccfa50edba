"""The dashboard's history view in real headless Chromium: sessions recorded by real
``eccentric replay --history`` runs are drawn, one point per session, with the values in
the database; a new session's point appears when its set closes. At desktop and phone
widths; ``ECCENTRIC_SCREENSHOTS=DIR`` also saves the screenshots there (docs/img for the
README)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from eccentric.app.dashboard.server import DashboardConfig, DashboardServer
from eccentric.history import queries, store
from tests.dashboard.test_browser import browser  # noqa: F401  (the fixture)
from tests.history.helpers import ROOT, cli
from tests.mqtt.brokers import Mosquitto

BASE = "histtest"
ATHLETE = "anna"
CARD = f"[data-athlete='{ATHLETE}']"
CHART = f"{CARD} svg.history-chart"
EARLIER = ["nordic_thigh_polar104", "nordic_thigh_witmotion", "nordic_thigh_movesense_slow"]
TODAY = "nordic_thigh_polar52_basic"  # one set of 6 reps
# A second athlete, one leg per session: her right-leg session pairs with the left one.
SINGLE = ("carla", "ball_single_left_ankle_polar104", "ball_single_right_shank_witmotion")
POINTS_JS = """svg => [...svg.querySelectorAll('circle.hist-point')].map(c =>
  c.querySelector('title').textContent)"""
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


def _recording(name: str) -> str:
    return str(ROOT / "recordings" / f"{name}.jsonl.gz")


def _break_angles(db: Path) -> list[float]:
    conn = store.connect(db, create=False)
    try:
        found = queries.sessions(conn, ATHLETE, "nordic_curl")
    finally:
        conn.close()
    return [s.metrics["break_angle_deg"] for s in found
            if s.metrics["break_angle_deg"] is not None]


def _wait_points(page: Any, n: int) -> list[str]:
    page.wait_for_function(
        f"() => Number(document.querySelector(\"{CHART}\")?.dataset.points) === {n}",
        timeout=30_000)
    return list(page.eval_on_selector(CHART, POINTS_JS))


def test_history_chart_at_desktop_and_phone_widths(browser: Any,  # noqa: F811
                                                   mosquitto: Mosquitto,
                                                   tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    for k, name in enumerate(EARLIER):
        out = cli("replay", _recording(name), "--athlete", ATHLETE, "--run-id", f"e{k}",
                  "--history", str(db), "--json")
        assert out.returncode == 0, out.stderr
    earlier = _break_angles(db)
    assert len(earlier) == 3
    out = cli("replay", _recording(SINGLE[1]), "--athlete", SINGLE[0], "--history", str(db),
              "--json")
    assert out.returncode == 0, out.stderr

    server = DashboardServer(DashboardConfig(mosquitto.ws_url, base=BASE, history_db=db),
                             0).start()
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page_errors: list[str] = []
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path))

    def publish(recording: str, athlete: str, n: int) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "eccentric", "replay", _recording(recording), "--speed",
             "25", "--athlete", athlete, "--target-tempo", "3-1-2-0", "--history", str(db),
             "--broker", mosquitto.url, "--mqtt-base", BASE,
             "--mqtt-queue", str(tmp_path / f"q{n}.sqlite3"),
             "--mqtt-client-id", f"histtest-pub{n}"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)

    pub = publish(TODAY, ATHLETE, 1)
    pub2 = publish(SINGLE[2], SINGLE[0], 2)
    try:
        page.goto(server.url)
        # While today's set runs: the three earlier sessions (today's has no reps yet).
        shown = _wait_points(page, 3)
        assert [float(t.split(": ")[1].rstrip("°")) for t in shown] == \
            [round(v, 2) for v in earlier]
        _, err = pub.communicate(timeout=60)
        assert pub.returncode == 0, err.decode(errors="replace")
        # Today's set closed: the view reloads by itself and shows four sessions.
        shown = _wait_points(page, 4)
        angles = _break_angles(db)
        assert len(angles) == 4
        assert [float(t.split(": ")[1].rstrip("°")) for t in shown] == \
            [round(v, 2) for v in angles]
        line = page.inner_text(f"{CARD} [data-field='history-line']")
        median = sorted(earlier)[1]
        assert line.startswith("4 sessions · baseline ") and f"{median:.1f}°" in line
        assert "Break angle per session · nordic curl" in page.inner_text(f"{CARD} .history")
        # Carla: eccentric time (no break angle in ball curls), and the L/R band of her
        # right-leg session against the left-leg one, as the database computes it.
        _, err = pub2.communicate(timeout=60)
        assert pub2.returncode == 0, err.decode(errors="replace")
        conn = store.connect(db, create=False)
        try:
            latest = queries.sessions(conn, SINGLE[0])[-1]
        finally:
            conn.close()
        pct, band = latest.metrics["asymmetry_pct"], latest.band
        assert pct is not None and band is not None
        other = f"[data-athlete='{SINGLE[0]}']"
        page.wait_for_selector(f"{other} [data-field='history-line'] .band[data-band='{band}']",
                               timeout=30_000)
        assert f"L/R {pct:.1f} %" in page.inner_text(f"{other} .band")
        assert "Eccentric time per session" in page.inner_text(f"{other} .history")
        assert page.eval_on_selector(f"{other} svg.history-chart",
                                     "svg => svg.dataset.points") == "2"
        for label, (w, h) in SIZES.items():
            page.set_viewport_size({"width": w, "height": h})
            page.locator(f"{CARD} .history").scroll_into_view_if_needed()
            box = page.locator(CHART).bounding_box()
            assert box is not None and 0 < box["width"] <= w and box["height"] > 40
            # Nothing wider than the screen: no sideways scrolling on a phone.
            assert page.evaluate("document.documentElement.scrollWidth") <= w
            shot = tmp_path / f"history-{label}.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
            target = os.environ.get("ECCENTRIC_SCREENSHOTS")
            if target:
                Path(target).mkdir(parents=True, exist_ok=True)
                (Path(target) / shot.name).write_bytes(shot.read_bytes())
        assert page_errors == []
    finally:
        for p in (pub, pub2):
            if p.poll() is None:
                p.kill()
                p.wait()
        page.close()
        server.stop()
