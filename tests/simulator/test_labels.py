"""Ground-truth labels: the boundary convention, ordering and consistency."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

from eccentric.sim.kinematics.nordic import NordicBody, NordicRepPlan, nordic_rep
from eccentric.sim.labels import Motion, nordic_rep_label
from eccentric.sim.recording import SimulatedRecording

NORDIC_PHASES = ["eccentric_controlled", "eccentric_fall", "bottom", "concentric"]
BALL_PHASES = ["concentric", "hold", "eccentric"]


def _plan(break_deg: float | None) -> NordicRepPlan:
    g = NordicBody(75.0, 1.8).gravity_gain_rads2()
    return NordicRepPlan(
        start_lean_deg=0.0, onset_s=0.6, lower_rate_dps=13.0, rate_trend=0.2,
        rate_mod_frac=0.1, rate_mod_hz=0.6, rate_mod_phase_rad=0.3, break_lean_deg=break_deg,
        fall_accel_dps2=300.0, break_ramp_s=0.12, fall_damping_per_s=3.0,
        gravity_gain_rads2=g, catch_lean_deg=84.0, catch_s=0.16, bottom_pause_s=0.8,
        return_mode="pull", return_s=2.0, end_lean_deg=0.0)


def _motion(lean_rad: np.ndarray, dt: float) -> Motion:
    pad = np.zeros(500)
    lean = np.concatenate((pad, lean_rad, pad + lean_rad[-1]))
    deg = np.degrees(lean)
    rate = np.gradient(deg, dt)
    return Motion(np.arange(len(deg)) * dt, rate, np.gradient(rate, dt), deg, np.abs(rate))


def test_nordic_label_follows_the_boundary_convention() -> None:
    dt = 1e-3
    rep = nordic_rep(_plan(35.0), dt)
    m = _motion(rep.lean_rad, dt)
    lab = nordic_rep_label(m, 0, len(m.t_s), lambda t: t)
    w, a, t = m.rate_dps, m.accel_dps2, m.t_s
    # Lean onset: first > 3 °/s (to within one grid step).
    k = int(np.flatnonzero(w > 3.0)[0])
    assert t[k - 1] <= lab["start_s"] <= t[k]
    # Break: first instant with > 20 °/s and > 150 °/s².
    kb = int(np.flatnonzero((w > 20.0) & (a > 150.0))[0])
    assert lab["break_t_s"] == pytest.approx(t[kb], abs=1e-4)
    assert lab["break_angle_deg"] == pytest.approx(m.angle_deg[kb], abs=0.01)
    assert 34.0 < lab["break_angle_deg"] < 40.0
    # Catch: back below 5 % of the fall's peak speed.
    peak = float(w.max())
    kc = int(np.argmax(w)) + int(np.flatnonzero(w[np.argmax(w):] < 0.05 * peak)[0])
    assert t[kc - 1] <= lab["phases"][1]["end_s"] <= t[kc]
    assert 100.0 < lab["peak_lowering_dps"] < 200.0
    assert [p["name"] for p in lab["phases"]] == NORDIC_PHASES
    assert 80.0 < lab["bottom_angle_deg"] < 95.0


def test_controlled_to_the_floor_has_no_break_and_no_fall_phase() -> None:
    dt = 1e-3
    m = _motion(nordic_rep(_plan(None), dt).lean_rad, dt)
    lab = nordic_rep_label(m, 0, len(m.t_s), lambda t: t)
    assert lab["break_t_s"] is None and lab["break_angle_deg"] is None
    assert [p["name"] for p in lab["phases"]] == ["eccentric_controlled", "bottom", "concentric"]
    assert lab["controlled_eccentric_s"] == lab["eccentric_s"]
    assert float(m.rate_dps.max()) < 20.0


def _check_rep(rep: dict[str, Any], names: list[str]) -> None:
    phases = rep["phases"]
    got = [p["name"] for p in phases]
    assert got == names or (names is NORDIC_PHASES and got == [
        "eccentric_controlled", "bottom", "concentric"])
    assert phases[0]["start_s"] == rep["start_s"] and phases[-1]["end_s"] == rep["end_s"]
    for p, q in itertools.pairwise(phases):
        assert p["end_s"] == q["start_s"]
    for p in phases:
        assert p["end_s"] > p["start_s"]
    assert rep["rom_deg"] > 0


def _reps(s: SimulatedRecording) -> list[dict[str, Any]]:
    return [lab for lab in s.labels if lab["label"] == "rep"]


def test_nordic_session_labels_are_ordered_and_consistent(nordic_session: SimulatedRecording
                                                          ) -> None:
    labels = nordic_session.labels
    assert [lab["start_s"] for lab in labels] == sorted(lab["start_s"] for lab in labels)
    reps = _reps(nordic_session)
    assert [r["rep_in_set"] for r in reps] == [1, 2, 3, 4]
    for prev, rep in itertools.pairwise(reps):
        assert prev["end_s"] < rep["start_s"]
    for rep in reps:
        _check_rep(rep, NORDIC_PHASES)
        ph = {p["name"]: p for p in rep["phases"]}
        assert rep["eccentric_s"] == pytest.approx(ph["bottom"]["start_s"] - rep["start_s"],
                                                   abs=2e-4)
        assert rep["concentric_s"] == pytest.approx(
            ph["concentric"]["end_s"] - ph["concentric"]["start_s"], abs=2e-4)
        if rep["break_t_s"] is not None:
            assert ph["eccentric_fall"]["start_s"] == rep["break_t_s"]
            assert 0.0 < rep["break_angle_deg"] < rep["bottom_angle_deg"]
            assert rep["controlled_eccentric_s"] < rep["eccentric_s"]
        assert rep["side"] == "both"
    (set_label,) = [lab for lab in labels if lab["label"] == "set"]
    assert set_label["start_s"] == reps[0]["start_s"] and set_label["end_s"] == reps[-1]["end_s"]
    kinds = sorted(lab["reason"] for lab in labels if lab["label"] == "nonrep")
    assert kinds == ["aborted", "fidget", "partial"]
    for nr in (lab for lab in labels if lab["label"] == "nonrep"):
        assert all(nr["end_s"] < r["start_s"] or nr["start_s"] > r["end_s"] for r in reps)


def test_gap_labels_match_the_missing_samples(nordic_session: SimulatedRecording) -> None:
    t = nordic_session.chunk.t_s
    period = 1.0 / nordic_session.header.rate_hz
    gap_labels = [lab for lab in nordic_session.labels if lab["label"] == "gap"]
    holes = np.flatnonzero(np.diff(t) > 1.5 * period)
    assert len(gap_labels) == len(holes) > 0
    for lab, i in zip(gap_labels, holes, strict=True):
        assert lab["start_s"] == pytest.approx(t[i]) and lab["end_s"] == pytest.approx(t[i + 1])
        assert lab["samples_missing"] == round((t[i + 1] - t[i]) / period) - 1


def test_ball_session_labels(ball_session: SimulatedRecording) -> None:
    reps = _reps(ball_session)
    assert [(r["set"], r["rep_in_set"]) for r in reps] == [(k, j) for k in (1, 2)
                                                          for j in range(1, 6)]
    for rep in reps:
        _check_rep(rep, BALL_PHASES)
        assert rep["side"] == "right"
        ph = {p["name"]: p for p in rep["phases"]}
        assert rep["hold_s"] == pytest.approx(ph["hold"]["end_s"] - ph["hold"]["start_s"],
                                              abs=2e-4)
        assert 40.0 < rep["rom_deg"] < 80.0
    sets = [lab for lab in ball_session.labels if lab["label"] == "set"]
    assert [s["set"] for s in sets] == [1, 2]
    assert sets[1]["start_s"] - sets[0]["end_s"] > 20.0  # rest between sets
    assert all(s["exercise"] == "ball_leg_curl_single" and s["side"] == "right" for s in sets)


def test_header_says_simulated(ball_session: SimulatedRecording) -> None:
    h = ball_session.header
    assert h.simulated is not None and h.simulated["simulator"] == "eccentric.simulator"
    assert h.simulated["seed"] == 22 and "options" in h.simulated["params"]
    assert h.side == "right" and h.exercise == "ball_leg_curl_single"
    assert "SIMULATED" in h.notes
    assert math.isclose(h.rate_hz, 52.0)
