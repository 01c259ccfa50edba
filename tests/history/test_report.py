"""The session report: one offline page whose charts show the stored figures (one curve
and one bar per rep, one point per session, the left/right balance in its band)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.history.helpers import cli
from tests.history.test_store import _rep, _session

HOSTILE = "<script>alert(1)</script>"


def test_report_charts_follow_the_data(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    for k, right in enumerate((2.9, 2.5)):
        sid = f"day{k}@r"
        reps = [_rep(sid, 1, 1, "left", 3.0, 10.0, 40.0 + k),
                _rep(sid, 1, 2, "left", 2.0, 20.0, 42.0 + k),
                _rep(sid, 1, 3, "right", right, 30.0, 44.0 + k)]
        _session(db, sid, HOSTILE, reps)
    page = tmp_path / "r.html"
    out = cli("report", "latest", "--db", str(db), "--html", str(page))
    assert out.returncode == 0, out.stderr
    assert "day1@r" in out.stdout
    html = page.read_text(encoding="utf-8")
    assert HOSTILE not in html and "&lt;script&gt;" in html  # data is text, never markup
    assert "<script" not in html and not re.search(r"(src|href)=", html)  # offline
    assert html.count('class="rep-curve"') == 3
    assert html.count('class="tempo-bar') == 3
    # within_target_tempo is False for eccentric times of 2.5 s or less (see _rep).
    assert html.count('class="tempo-bar off"') == 2
    assert "target 3 s" in html  # the target tempo 3-1-2-0's eccentric time
    assert html.count('class="trend-point') == 2 and html.count("trend-point current") == 1
    # Left mean (3.0 + 2.0) / 2 = 2.5 s, right 2.5 s: balanced, 0 %.
    assert "asymmetry 0.0 % (green)" in html
    first = cli("report", "day0", "--db", str(db), "--html", str(page))
    assert first.returncode == 0 and "day0@r" in first.stdout
    html = page.read_text(encoding="utf-8")
    # Right 2.9 s against left 2.5 s: 13.8 %, amber.
    assert "asymmetry 13.8 % (amber)" in html
    text = cli("report", "day0@r", "--db", str(db))
    assert text.returncode == 0 and "set 1 rep 3: tempo 3-1-2-0, eccentric 2.9 s" in text.stdout
    missing = cli("report", "nope", "--db", str(db))
    assert missing.returncode == 1 and "no session 'nope'" in missing.stderr
    bad_dir = cli("report", "latest", "--db", str(db), "--html", str(tmp_path / "no" / "r.html"))
    assert bad_dir.returncode == 1 and "cannot write the report" in bad_dir.stderr


def test_one_leg_per_session_pairs_with_the_other_legs_session(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    _session(db, "left@r", "cy", [_rep("left@r", 1, 1, "left", 3.0, 10.0),
                                  _rep("left@r", 1, 2, "left", 3.0, 20.0)])
    _session(db, "right@r", "cy", [_rep("right@r", 1, 1, "right", 2.0, 10.0)])
    _session(db, "both@r", "cy", [_rep("both@r", 1, 1, None, 2.0, 10.0)])
    out = cli("history", "cy", "--db", str(db), "--csv", "-")
    rows = [line.split(",") for line in out.stdout.strip().splitlines()[1:]]
    # Right 2.0 s against left 3.0 s: 33.3 %, red, on the later (right) session only.
    assert [(r[1], r[-2], r[-1]) for r in rows] == [
        ("left@r", "", ""), ("right@r", "33.333", "red"), ("both@r", "", "")]
    page = tmp_path / "r.html"
    assert cli("report", "right@r", "--db", str(db), "--html", str(page)).returncode == 0
    html = page.read_text(encoding="utf-8")
    assert "asymmetry 33.3 % (red)" in html and "the other leg from session left@r" in html
