"""``eccentric demo --history``: each recording a demo athlete plays is one session of
that athlete's history, every published rep in it with its angle curve."""

from __future__ import annotations

import threading
from pathlib import Path

from eccentric.app.demo.player import AthletePlayer
from eccentric.app.demo.roster import DemoAthlete
from eccentric.history import queries, store
from tests.dashboard.test_demo import SHORT, FakeSink


def test_demo_player_records_each_loop_as_a_session(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    sink = FakeSink()
    player = AthletePlayer(DemoAthlete("zoe", (SHORT.name,), "2-3-1-x"), [SHORT],
                           sink, stop=threading.Event(), run_id="h1",  # type: ignore[arg-type]
                           speed=None, loops=2, live_hz=20.0, history=db)
    player.run()
    assert player.error is None
    published = [e["id"] for e in sink.events if e["type"] == "rep"]
    conn = store.connect(db, create=False)
    try:
        found = queries.sessions(conn, "zoe")
        stored = [r[0] for r in conn.execute(
            "SELECT id FROM reps ORDER BY session_id, set_number, rep_in_set")]
        curves = conn.execute("SELECT COUNT(*) FROM rep_curves").fetchone()[0]
    finally:
        conn.close()
    assert [s.id.rsplit("@", 1)[1] for s in found] == ["h1.1", "h1.2"]
    assert all(s.status == "ended" and s.target_tempo == "2-3-1-x" for s in found)
    assert sorted(stored) == sorted(published) and curves == len(published) >= 8
