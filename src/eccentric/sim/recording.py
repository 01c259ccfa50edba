"""Compose a whole simulated session: lead-in, sets of reps, rests; sensor; labels.

Flow: a storyboard of body-pose channels on a fine grid (``Track``) → the sensor's
segment pose (pitch/roll/yaw + pivot) → ideal specific force and rate (``imu_model``)
→ the device's clock, errors, resolution and radio losses → ``ImuChunk`` + labels.
Determinism: every random choice comes from generators spawned from the one seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from eccentric.core.chunk import ImuChunk
from eccentric.devices.registry import get_device
from eccentric.io.recording_format import RecordingHeader
from eccentric.io.recording_writer import RecordingWriter
from eccentric.sim import clock as clk
from eccentric.sim import human
from eccentric.sim.imu_model import (
    DeviceConfig,
    TissueParams,
    body_rate_rads,
    device_readings,
    draw_device_errors,
    ideal_sensor,
    segment_rotation,
)
from eccentric.sim.labels import Motion, movement_window
from eccentric.sim.mount import draw_mount
from eccentric.sim.movement import Movement, check_exercise, get_movement
from eccentric.sim.options import SessionOptions
from eccentric.sim.storyboard import Script
from eccentric.sim.storyboard import uniform as _u

SIMULATOR_NAME = "eccentric.simulator"  # the name recordings carry, not a module path
# 1.1: Nordic and ball-curl reps (and roll-outs) are labelled from their kinematic onset.
SIMULATOR_VERSION = "1.1"

# ---------------------------------------------------------------- the whole session


@dataclass
class SimulatedRecording:
    header: RecordingHeader
    chunk: ImuChunk
    labels: list[dict[str, Any]]


def simulate(exercise: str, seed: int, sensor: str, placement: str,
             options: SessionOptions | None = None, *, hardware_seed: int | None = None,
             movement: Movement | None = None) -> SimulatedRecording:
    """Simulate one session. Same arguments → identical output.

    ``hardware_seed`` (optional) draws the strap's mount and the device's errors from a
    seed of their own, so pieces of one mixed session share one sensor worn one way;
    ``movement`` (optional) replaces the exercise's storyboard (the rests between the
    exercises of a mixed session, sim/mixed.py)."""
    opts = options or SessionOptions()
    opts.validate()
    if movement is None:
        check_exercise(exercise, placement)
    spec = get_device(sensor)
    cfg = DeviceConfig(opts.rate_hz or spec.default_rate_hz,
                       opts.acc_range_g or spec.default_acc_range_g,
                       opts.gyro_range_dps or spec.default_gyro_range_dps)
    spec.check(cfg.rate_hz, cfg.acc_range_g, cfg.gyro_range_dps)
    streams = np.random.SeedSequence(seed).spawn(5)
    rng_plan, rng_body, rng_motion, rng_dev, rng_link = (np.random.default_rng(s) for s in streams)
    if hardware_seed is not None:
        hw = np.random.SeedSequence(hardware_seed).spawn(5)
        rng_body, rng_dev = np.random.default_rng(hw[1]), np.random.default_rng(hw[3])
    grid_hz = max(1000.0, 4.0 * cfg.rate_hz)
    dt = 1.0 / grid_hz
    move = movement if movement is not None else get_movement(exercise)
    single = move.single
    side = opts.side or ("left" if rng_plan.random() < 0.5 else "right")
    leg_sign = 1.0 if side == "left" else -1.0

    drawn = move.draw(opts, placement, leg_sign, rng_plan, dt)
    script, height, athlete, thigh_m = drawn.script, drawn.height_m, drawn.athlete, drawn.thigh_m

    ch = script.track.finish()
    n = len(ch["roll"])
    main = move.main_channel
    if opts.rest_sway_dps > 0:
        # A stream of its own (drawn only when asked for): the other five are unchanged.
        rng_sway = np.random.default_rng(np.random.SeedSequence(seed).spawn(6)[5])
        pitch, roll = human.rest_sway(n, script.start_pose, dt, opts.rest_sway_dps, rng_sway)
        ch[main] = ch[main] + pitch
        ch["roll"] = ch["roll"] + roll
    # Postural sway: tiny and slow, far below the 3 °/s boundary threshold.
    ch[main] = ch[main] + human.sway(n, dt, 0.15, rng_motion)
    ch["roll"] = ch["roll"] + human.sway(n, dt, 0.2, rng_motion)
    if "hip" in ch:
        ch["hip"] = ch["hip"] + human.sway(n, dt, 0.3, rng_motion)
    seg = move.segment_motion(ch, placement, thigh_m)
    t_grid = np.arange(n, dtype=np.float64) * dt
    r_wb = segment_rotation(seg.pitch, seg.roll, seg.yaw)
    # Ground truth comes from this intended motion (bone, no tremor, tissue or noise).
    rate = np.gradient(np.degrees(seg.pitch), dt)
    motion = Motion(t_grid, rate, np.gradient(rate, dt), seg.label_angle_deg,
                    np.degrees(np.linalg.norm(body_rate_rads(r_wb, dt), axis=1)),
                    script.marks)

    # What the sensor rides on: the same motion plus tremor / balance corrections.
    shake = human.draw_shakiness(rng_motion, move.family, single)
    envelope = human.effort_envelope(
        motion.speed_dps, [(d.i0, d.i1) for d in script.designs
                          if d.kind in ("rep", "hold", "bout")],
        dt)
    dist = human.disturbance(envelope, dt, shake, rng_motion)
    shaken = dict(ch)
    shaken[main] = ch[main] + dist["pitch"]
    shaken["roll"] = ch["roll"] + dist["roll"]
    shaken["yaw"] = ch["yaw"] + dist["yaw"]
    seg_phys = move.segment_motion(shaken, placement, thigh_m)
    r_wb_phys = segment_rotation(seg_phys.pitch, seg_phys.roll, seg_phys.yaw)

    mount = draw_mount(placement, leg_sign, height, opts.misalignment, rng_body)
    tissue = TissueParams(freq_hz=_u(rng_body, 10.0, 20.0),
                          damping_ratio=_u(rng_body, 0.15, 0.35),
                          rocking_rad_per_m=_u(rng_body, 0.8, 2.0)) if opts.tissue else None
    ideal = ideal_sensor(t_grid, r_wb_phys, seg_phys.pivot, mount.lever_b_m, mount.r_bs, tissue)

    errors = draw_device_errors(spec, rng_dev, clock_error_ppm=opts.clock_error_ppm,
                                bias_scale=opts.bias_scale)
    sclock = clk.SampleClock(cfg.rate_hz, errors.clock_error, opts.t0_s)
    sampling = clk.sample_times(float(t_grid[-1]), sclock,
                                samples_per_packet=spec.samples_per_packet,
                                jitter_sd_s=spec.sample_jitter_s,
                                quantum_s=spec.timestamp_quantum_s, rng=rng_link)
    acc, gyro = device_readings(ideal, sampling.t_true_s, spec, cfg, errors, rng_dev)
    keep = clk.packet_loss(len(sampling.t_file_s), cfg.rate_hz, spec.samples_per_packet,
                           opts.dropouts, rng_link)
    lost_runs = clk.gaps(sampling.t_file_s, keep)
    t_out, acc, gyro = sampling.t_file_s[keep], acc[keep], gyro[keep]
    if opts.timestamp_glitches:
        order = clk.glitch_order(len(t_out), opts.timestamp_glitches, spec.samples_per_packet,
                                 rng_link)
        t_out, acc, gyro = t_out[order], acc[order], gyro[order]
    chunk = ImuChunk.from_arrays(t_out, acc, gyro, source="simulator")
    labels = _labels(script, motion, exercise, move, side, sclock.file_time,
                     lost_runs)

    header_side = side if single else "both"
    params: dict[str, Any] = {
        "exercise": exercise, "sensor": sensor, "placement": placement,
        "options": opts.to_dict(), "side_of_sensor": side, "athlete": athlete,
        "mount": mount.as_dict(), "shakiness": shake.as_dict(),
        "tissue": None if tissue is None else {
            "freq_hz": round(tissue.freq_hz, 2), "damping_ratio": round(tissue.damping_ratio, 3),
            "rocking_rad_per_m": round(tissue.rocking_rad_per_m, 2)},
        "device_errors": errors.as_dict(), "physics_grid_hz": grid_hz,
    }
    notes = ("SIMULATED recording (eccentric.simulator), not a real athlete: rigid-body "
             "kinematics, modelled sensor errors and BLE losses; labels are exact ground truth "
             "by the project's boundary convention (docs/simulator.md).")
    if opts.timestamp_glitches:
        notes += (f" Contains {opts.timestamp_glitches} timestamp glitches (re-delivered or "
                  "swapped packets: duplicate / out-of-order samples).")
    if placement == "trunk" and opts.piking_deg:
        notes += (" The athlete pikes (hip flexion up to "
                  f"{opts.piking_deg:g}°): the trunk sensor leans further than the thigh; "
                  "angles in labels are thigh lean.")
    header = RecordingHeader(
        sensor=sensor, placement=placement, rate_hz=cfg.rate_hz, exercise=exercise,
        athlete="simulated", side=header_side, created_utc=None,
        simulated={"simulator": SIMULATOR_NAME, "version": SIMULATOR_VERSION, "seed": seed,
                   "params": params},
        sensor_info={**spec.info(cfg.rate_hz, cfg.acc_range_g, cfg.gyro_range_dps),
                     "worn_on": side},
        notes=notes,
    )
    return SimulatedRecording(header, chunk, labels)


def _labels(script: Script, motion: Motion, exercise: str, move: Movement,
            side: str, to_file: Any, lost_runs: list[tuple[float, float, int]]
            ) -> list[dict[str, Any]]:
    label_side = side if move.single else "both"
    out: list[dict[str, Any]] = []
    set_span: dict[int, list[float]] = {}
    for d in script.designs:
        if d.kind in ("rep", "hold", "bout"):
            body = move.rep_label(motion, d.i0, d.i1, to_file)
            number = f"{d.kind}_in_set"
            out.append({"label": d.kind, "set": d.set, number: d.rep_in_set, **body,
                        **d.info, "side": d.info.get("side", label_side)})
            span = set_span.setdefault(d.set, [body["start_s"], body["end_s"]])
            span[0] = min(span[0], body["start_s"])
            span[1] = max(span[1], body["end_s"])
        else:
            a, b = movement_window(motion, d.i0, d.i1, to_file)
            # "reason", not "kind": every line's "kind" is already "label" (and the
            # pipeline's nonrep events call it "reason" too).
            out.append({"label": "nonrep", "reason": d.kind, "start_s": a, "end_s": b,
                        "set": d.set})
    for k, (a, b) in sorted(set_span.items()):
        out.append({"label": "set", "set": k, "start_s": a, "end_s": b, "exercise": exercise,
                    "side": label_side})
    for a, b, missing in lost_runs:
        out.append({"label": "gap", "start_s": round(a, 6), "end_s": round(b, 6),
                    "samples_missing": missing})
    order = {"set": 0, "rep": 1, "hold": 1, "bout": 1, "nonrep": 2, "gap": 3}
    out.sort(key=lambda lab: (lab["start_s"], order[lab["label"]]))
    return out


def write_recording(path: str | Path, session: SimulatedRecording) -> None:
    """Write header, samples (≤ 1 s per line) and then the labels."""
    with RecordingWriter(path, session.header) as writer:
        writer.write_chunk(session.chunk)
        for label in session.labels:
            writer.write_label(label)

