"""Synthetic pipeline events built with the real event constructors."""

from __future__ import annotations

from typing import Any

from eccentric.core.events import Phase, Rep, rep_event


def rep(n: int, *, set_number: int = 1, session: str = "s1@t1") -> dict[str, Any]:
    start = 5.0 * n
    r = Rep("nordic_curl", start, start + 4.0, 3.0, 1.0,
            [Phase("eccentric", start, start + 3.0), Phase("concentric", start + 3.0,
                                                           start + 4.0)],
            62.0, measures={"break_angle_deg": 48.0, "break_t_s": start + 2.5}, side="both")
    return rep_event(r, number=n, set_number=set_number, rep_in_set=n, decided_s=start + 4.2,
                     session=session, tempo="3-0-1-0", target_ok=True)


def set_summary(number: int, reps: int, *, session: str = "s1@t1") -> dict[str, Any]:
    return {"type": "set", "schema": 1, "id": f"{session}:set:{number}",
            "exercise": "nordic_curl", "set": number, "reps": reps, "start_s": 5.0,
            "end_s": 5.0 * reps + 4.0, "eccentric_s_mean": 3.0, "eccentric_s_sd": 0.1,
            "trend_pct": {"eccentric_s": -4.2}, "decided_s": 5.0 * reps + 20.0}


def live(t: float, reps: int = 0) -> dict[str, Any]:
    return {"type": "live", "t_s": t, "angle_deg": 12.5, "rate_dps": -3.0,
            "phase": "eccentric", "reps": reps}
