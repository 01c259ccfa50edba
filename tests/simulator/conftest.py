"""Shared simulated sessions (module-scoped: each simulation takes ~0.5 s)."""

from __future__ import annotations

import pytest

from eccentric.sim.options import SessionOptions
from eccentric.sim.recording import SimulatedRecording, simulate


@pytest.fixture(scope="session")
def nordic_session() -> SimulatedRecording:
    opts = SessionOptions(reps=4, partial_reps=1, aborted_starts=1, fidgets=1,
                          dropouts="heavy")
    return simulate("nordic_curl", 21, "metamotion", "thigh", opts)


@pytest.fixture(scope="session")
def ball_session() -> SimulatedRecording:
    opts = SessionOptions(reps=5, sets=2, rest_min_s=20.0, rest_max_s=25.0, side="right",
                          partial_reps=1, repositions=1)
    return simulate("ball_leg_curl_single", 22, "polar_verity_sense", "ankle", opts)


@pytest.fixture(scope="session")
def clean_nordic() -> SimulatedRecording:
    """No bias, no losses, no tissue: for comparing the sensor with the truth."""
    opts = SessionOptions(reps=3, dropouts="none", bias_scale=0.0, tissue=False,
                          walk_in_rest=False)
    return simulate("nordic_curl", 23, "movesense", "trunk", opts)
