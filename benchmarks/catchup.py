"""Catch-up cost of a partition takeover: replaying from the stream's start versus from
the newest resume point (the last closed set), for a kill at several session lengths.

A long session is a real three-set recording repeated back to back (times shifted);
each kill time replays that stream through a fresh pipeline, timed on this machine.

    python benchmarks/catchup.py                        # kills at 1, 4 and 10 min
    python benchmarks/catchup.py --kill-min 1 4 --athletes 8
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from eccentric.cluster.gateway import CHUNK_S  # noqa: E402
from eccentric.cluster.worker import stream_config  # noqa: E402
from eccentric.core.chunk import ImuChunk, iter_chunks  # noqa: E402
from eccentric.io.recording_reader import read_all  # noqa: E402
from eccentric.session.pipeline import Pipeline, ResumeState  # noqa: E402

DURABLE = ("rep", "set", "hold", "bout")


def looped(path: Path, minutes: float) -> tuple[list[ImuChunk], dict[str, object]]:
    """``path`` repeated until ``minutes`` long, in the gateway's 0.1 s chunks."""
    header, whole = read_all(path)
    span_s = float(whole.t_s[-1] - whole.t_s[0]) + 1.0 / header.rate_hz
    copies = int(np.ceil(minutes * 60.0 / span_s))
    t = np.concatenate([whole.t_s + k * span_s for k in range(copies)])
    acc = np.concatenate([whole.acc_mps2] * copies)
    gyro = np.concatenate([whole.gyro_rads] * copies)
    chunks = list(iter_chunks(ImuChunk.from_arrays(t, acc, gyro), CHUNK_S))
    descriptor = {"id": "bench-catchup", "session": path.name, "rate_hz": header.rate_hz,
                  "exercise": header.exercise or "auto",
                  "side": header.side if header.side != "unknown" else None}
    return chunks, descriptor


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recording", default=str(ROOT / "recordings"
                                               / "nordic_thigh_metamotion_3sets.jsonl.gz"))
    ap.add_argument("--kill-min", type=float, nargs="+", default=[1.0, 4.0, 10.0])
    ap.add_argument("--athletes", type=int, default=8, help="athletes per partition")
    args = ap.parse_args()
    chunks, descriptor = looped(Path(args.recording), max(args.kill_min))
    config = stream_config("a1", descriptor)
    # The uninterrupted run: its events and the resume point after each closed set.
    pipeline = Pipeline(config)
    events: list[tuple[int, dict[str, object]]] = []
    points: list[tuple[int, ResumeState]] = []
    for i, chunk in enumerate(chunks):
        out = pipeline.process(chunk)
        events.extend((i, ev) for ev in out)
        state = pipeline.resume_state() if any(ev["type"] == "set" for ev in out) else None
        if state is not None:
            points.append((i, state))
    print(f"catch-up after a takeover: {Path(args.recording).name} looped, "
          f"{len(points)} resume points, {args.athletes} athletes per partition")
    for minutes in args.kill_min:
        kill = min(len(chunks), int(minutes * 60.0 / CHUNK_S))
        t0 = time.perf_counter()
        full = Pipeline(config)
        for chunk in chunks[:kill]:
            full.process(chunk)
        full_s = time.perf_counter() - t0
        at, state = max(((i, s) for i, s in points if i < kill), key=lambda p: p[0],
                        default=(-1, None))
        t0 = time.perf_counter()
        resumed = Pipeline(config)
        if state is not None:
            resumed.restore(state)
        got = []
        for chunk in chunks[at + 1:kill]:
            got.extend(resumed.process(chunk))
        resumed_s = time.perf_counter() - t0
        want = [ev["id"] for i, ev in events if at < i < kill and ev["type"] in DURABLE]
        same = [ev["id"] for ev in got if ev["type"] in DURABLE] == want
        print(f"  kill at {minutes:g} min: from the start {kill} chunks {full_s:.2f} s "
              f"(x{args.athletes}: {full_s * args.athletes:.1f} s); from the resume point "
              f"{kill - at - 1} chunks {resumed_s:.2f} s (x{args.athletes}: "
              f"{resumed_s * args.athletes:.1f} s); ids after it as uninterrupted: "
              f"{'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
