"""The set summary of a sided exercise: per-side rep tallies over the session and an
asymmetry %, once both sides have been seen."""

from __future__ import annotations

from typing import Any

from eccentric.core.events import Phase, Rep
from eccentric.exercises.catalogue import get_profile
from eccentric.mqtt.payloads import encode, wrap_event
from eccentric.session.sets import SetTracker
from tests.mqtt import contract


def _rep(start: float, side: str | None) -> Rep:
    return Rep("single_leg_deadlift", start, start + 3.0, 1.5, 1.5,
               [Phase("eccentric", start, start + 1.5),
                Phase("concentric", start + 1.5, start + 3.0)], 45.0, side=side)


def _sets(tracker: SetTracker, sides: list[list[str | None]]) -> list[dict[str, Any]]:
    """Feed one set per inner list (a long rest between sets); the set events."""
    rest = tracker.profile.set_end_rest_s + 5.0
    t, out = 0.0, []
    for one_set in sides:
        for side in one_set:
            for ev in tracker.add_rep(_rep(t, side), decided_s=t + 3.0):
                if ev["type"] == "set":
                    out.append(ev)
            t += 4.0
        t += rest
    out.extend(tracker.close(t))
    return out


def test_side_counts_and_asymmetry_appear_once_both_sides_are_seen() -> None:
    tracker = SetTracker(get_profile("single_leg_deadlift"), session_id="s@r",
                         target_tempo=None, side=None)
    sets = _sets(tracker, [["left"] * 5, ["right"] * 4, ["left"] * 3])
    assert [s["reps"] for s in sets] == [5, 4, 3]
    assert [s["side"] for s in sets] == ["left", "right", "left"]
    # One side only so far: nothing to compare.
    assert "side_counts" not in sets[0] and "asymmetry_pct" not in sets[0]
    assert sets[1]["side_counts"] == {"left": 5, "right": 4}
    assert sets[1]["asymmetry_pct"] == 20.0  # 100 * |5 - 4| / 5
    assert sets[2]["side_counts"] == {"left": 8, "right": 4}
    assert sets[2]["asymmetry_pct"] == 50.0
    for s in sets:
        contract.validate("eccentric/anna/set",
                          encode(wrap_event(s, athlete="anna", sensor="mw1")))


def test_the_session_side_fills_reps_without_their_own_side() -> None:
    # --side right: every rep is right, so no comparison is ever made.
    tracker = SetTracker(get_profile("single_leg_deadlift"), session_id="s@r",
                         target_tempo=None, side="right")
    sets = _sets(tracker, [[None] * 3, [None] * 2])
    assert tracker.side_counts == {"right": 5}
    assert all("side_counts" not in s and "asymmetry_pct" not in s for s in sets)


def test_equal_sides_are_zero_asymmetry() -> None:
    tracker = SetTracker(get_profile("single_leg_deadlift"), session_id="s@r",
                         target_tempo=None, side=None)
    sets = _sets(tracker, [["left", "right", "left", "right"]])
    assert sets[0]["side_counts"] == {"left": 2, "right": 2}
    assert sets[0]["asymmetry_pct"] == 0.0
