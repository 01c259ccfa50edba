"""Short simulated sets for streaming tests: one set, trimmed to the seconds that matter.

A full simulated session walks, kneels and rests for minutes; streaming it in real time
would make every BLE test slow. ``short_set`` keeps ~3.5 s of the still start pose
before the first rep (the detector calibrates on it) through the end of the set, and
re-bases time to 0 at a packet boundary of every supported device.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from eccentric.core.chunk import ImuChunk
from eccentric.devices.metawear.driver import PACKED_SAMPLES
from eccentric.devices.movesense.driver import SAMPLES_PER_UPDATE
from eccentric.devices.registry import get_device
from eccentric.exercises.catalogue import get_profile
from eccentric.sim.options import SessionOptions
from eccentric.sim.recording import SimulatedRecording, simulate

LEAD_S = 3.5
TAIL_S = 2.5
# MetaWear packs 3 samples, Movesense 8 (24): cut where both packets start.
PACKET_LCM = math.lcm(PACKED_SAMPLES, SAMPLES_PER_UPDATE)


def short_set(sensor: str, exercise: str = "ball_leg_curl", seed: int = 3, reps: int = 2,
              **options: Any) -> SimulatedRecording:
    placement = get_profile(exercise).placements[0]
    opts = SessionOptions(**{"reps": reps, "dropouts": "none", "walk_in_rest": False,
                             **options})
    sim = simulate(exercise, seed, sensor, placement, opts)
    reps_labels = [lab for lab in sim.labels if lab["label"] == "rep"]
    t = sim.chunk.t_s
    start = max(int(np.searchsorted(t, reps_labels[0]["start_s"] - LEAD_S)), 0)
    start -= start % PACKET_LCM
    stop = int(np.searchsorted(t, max(lab["end_s"] for lab in reps_labels) + TAIL_S))
    t0 = float(t[start])
    rate = sim.header.rate_hz
    part = sim.chunk.slice(start, stop)
    if get_device(sensor).timestamps == "host":
        # Count-based devices: sample k sits exactly at k / rate, as a driver places it.
        k = np.rint((part.t_s - t0) * rate)
        new_t = k * (1.0 / rate)
    else:
        new_t = part.t_s - t0
    chunk = ImuChunk(new_t, part.acc_mps2, part.gyro_rads)
    labels = []
    for lab in sim.labels:
        if lab["label"] in ("rep", "set", "nonrep"):
            shifted = dict(lab)
            for key in ("start_s", "end_s", "break_s", "bottom_s"):
                if isinstance(shifted.get(key), float):
                    shifted[key] = round(shifted[key] - t0, 6)
            labels.append(shifted)
    header = replace(sim.header, notes=sim.header.notes + f" Trimmed: t0 = {t0:.6f} s of the "
                     "full simulation re-based to 0 (eccentric.sim.bluez.short_sets).")
    return SimulatedRecording(header, chunk, labels)
