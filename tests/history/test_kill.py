"""A real ``eccentric replay --history`` killed with SIGKILL in the middle of a set: every
rep decided more than 1 s before the kill is in the database after restart, and the
``history`` and ``report`` commands work on what is there."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.history.helpers import ROOT, cli

RECORDING = ROOT / "recordings" / "nordic_thigh_metamotion_3sets.jsonl.gz"  # 3 sets of 5
SPEED = "8"


def _read_lines(proc: subprocess.Popen[str], seen: list[tuple[float, dict[str, object]]],
                ) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        seen.append((time.monotonic(), json.loads(line)))


def test_sigkill_mid_set_keeps_every_rep_decided_a_second_before(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    proc = subprocess.Popen(
        [sys.executable, "-m", "eccentric", "replay", str(RECORDING), "--json",
         "--speed", SPEED, "--run-id", "kill", "--history", str(db)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    seen: list[tuple[float, dict[str, object]]] = []
    reader = threading.Thread(target=_read_lines, args=(proc, seen), daemon=True)
    reader.start()
    try:
        # Mid-set: 1.3 s after the third rep of the first set (the fourth comes ~1.3 s
        # of wall time later at this speed, and the set closes after the fifth).
        deadline = time.monotonic() + 60
        while not any(ev.get("id") == "nordic_thigh_metamotion_3sets@kill:1:3"
                      for _, ev in seen):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "no third rep within 60 s"
            time.sleep(0.02)
        time.sleep(1.3)
        assert proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(5)
    assert proc.returncode == -signal.SIGKILL
    reps = [(t, ev) for t, ev in seen if ev["type"] == "rep"]
    sets = [ev for _, ev in seen if ev["type"] == "set"]
    assert not sets, "the kill came after the first set closed: not mid-set"
    due = {str(ev["id"]) for t, ev in reps if t < killed_at - 1.0}
    assert len(due) >= 3

    conn = sqlite3.connect(db)  # a plain reader: WAL recovery happens on open
    stored = {r[0] for r in conn.execute("SELECT id FROM reps")}
    curves = {r[0] for r in conn.execute("SELECT rep_id FROM rep_curves")}
    ended = conn.execute("SELECT ended_utc FROM sessions").fetchall()
    conn.close()
    assert due <= stored, f"reps lost by the kill: {sorted(due - stored)}"
    assert due <= curves  # each with its angle curve
    assert ended == [(None,)]  # killed: the session was never closed

    out = cli("history", "simulated", "--db", str(db), "--csv", "-")
    assert out.returncode == 0, out.stderr
    header, row = out.stdout.strip().splitlines()
    values = dict(zip(header.split(","), row.split(","), strict=True))
    assert values["status"] == "interrupted"
    assert int(values["reps"]) == len(stored) and values["sets"] == "1"

    out = cli("history", "--db", str(db), "--sets", "--csv", "-")
    assert out.returncode == 0, out.stderr
    header, row = out.stdout.strip().splitlines()
    values = dict(zip(header.split(","), row.split(","), strict=True))
    assert (values["set"], values["status"], int(values["reps"])) == ("1", "open", len(stored))

    page = tmp_path / "report.html"
    out = cli("report", "latest", "--db", str(db), "--html", str(page))
    assert out.returncode == 0, out.stderr
    html = page.read_text(encoding="utf-8")
    assert "nordic_thigh_metamotion_3sets@kill" in html
    assert html.count('class="rep-curve"') == len(stored)
