"""Replay speed, memory growth and decision latency of the streaming pipeline.

Targets (issue #2): ≥ 1000× real time on one core for a 100 Hz acc+gyro stream with
orientation and detection; a 2-hour session uses no more memory than a 2-minute one
(±20 MB). Process start is excluded; file parsing is included when a path is given.

    python benchmarks/replay_speed.py                 # synthetic Nordic sets, 100 Hz
    python benchmarks/replay_speed.py RECORDING ...   # real files in the recording format
    python benchmarks/replay_speed.py RECORDING ... --exercise auto   # another detector
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.synthetic import imu_from_angle, nordic_angle, rotation  # noqa: E402

from eccentric.core.chunk import ImuChunk, concat  # noqa: E402
from eccentric.io.recording_format import RecordingHeader  # noqa: E402
from eccentric.io.recording_reader import RecordingReader  # noqa: E402
from eccentric.io.recording_writer import RecordingWriter  # noqa: E402
from eccentric.session.pipeline import Pipeline, PipelineConfig  # noqa: E402


def synthetic_chunks(duration_s: float, rate_hz: float = 100.0) -> Iterator[ImuChunk]:
    """Repeat a 3-rep Nordic set (with rest) for ``duration_s``, in 0.5 s chunks."""
    _, ang, _ = nordic_angle(rate_hz, reps=3, rest_s=3.0)
    ang = np.concatenate([ang, np.zeros(int(20 * rate_hz))])  # rest → a set per block
    block = imu_from_angle(np.arange(len(ang)) / rate_hz, ang,
                           mount=rotation(np.array([0.3, 1.0, 0.2]), 1.1), noise=1.0)
    block_s = len(ang) / rate_hz
    step = int(0.5 * rate_hz)
    n_blocks = int(np.ceil(duration_s / block_s))
    for b in range(n_blocks):
        off = b * block_s
        for i in range(0, len(ang), step):
            c = block.slice(i, i + step)
            yield ImuChunk(c.t_s + off, c.acc_mps2, c.gyro_rads)


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_stream(chunks: Iterator[ImuChunk], exercise: str, rate_hz: float
               ) -> tuple[float, float, int, float]:
    """Returns (stream seconds, cpu seconds, reps, rss after in MB)."""
    session = Pipeline(PipelineConfig(exercise=exercise, rate_hz=rate_hz))
    reps = 0
    t_first: float | None = None
    t_last = 0.0
    cpu0 = time.process_time()
    for c in chunks:
        if t_first is None:
            t_first = float(c.t_s[0])
        t_last = float(c.t_s[-1])
        reps += sum(1 for e in session.process(c) if e["type"] == "rep")
    reps += sum(1 for e in session.finish() if e["type"] == "rep")
    cpu = time.process_time() - cpu0
    return t_last - (t_first or 0.0), cpu, reps, rss_mb()


# What `eccentric replay --speed max`, `count` and `evaluate` use (commands/common.py).
MERGE_S = 5.0


def write_recording(path: Path, minutes: float) -> None:
    header = RecordingHeader(sensor="synthetic", placement="thigh", rate_hz=100.0,
                             exercise="nordic_curl")
    with RecordingWriter(path, header) as w:
        # Whole blocks at once: the writer cuts them into its usual 1 s lines.
        batch: list[ImuChunk] = []
        for c in synthetic_chunks(minutes * 60):
            batch.append(c)
            if len(batch) == 60:
                w.write_chunk(concat(batch))
                batch = []
        if batch:
            w.write_chunk(concat(batch))


def bench_files(long_minutes: float) -> int:
    """Replay real files (1 s lines, gzip), parsing included, in a fresh process state."""
    with tempfile.TemporaryDirectory() as tmp:
        short = Path(tmp) / "short.jsonl.gz"
        long = Path(tmp) / "long.jsonl.gz"
        write_recording(short, 2)
        write_recording(long, long_minutes)
        print("replay of recordings (gzip JSON lines), synthetic Nordic sets, 100 Hz acc+gyro, "
              f"read in {MERGE_S:.0f} s chunks as `replay --speed max` does; one core, CPU time, "
              "parsing included")
        rows = []
        for name, p in (("2-minute", short), (f"{long_minutes:.0f}-minute", long)):
            reader = RecordingReader(p)
            stream_s, cpu, reps, rss = run_stream(reader.chunks(merge_s=MERGE_S), "nordic_curl",
                                                  100.0)
            rows.append(rss)
            print(f"  {name:>11} recording: {stream_s:7.0f} s stream in {cpu:6.2f} s CPU = "
                  f"{stream_s / cpu:5.0f}× real time ({1e6 * cpu / (stream_s * 100):.2f} µs/sample)"
                  f", {reps} reps, RSS {rss:.1f} MB")
        print(f"  RSS growth long vs short: {rows[1] - rows[0]:+.1f} MB")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--long-minutes", type=float, default=120.0)
    ap.add_argument("--in-memory", dest="from_file", action="store_false",
                    help="feed chunks from memory instead of a recording file")
    ap.add_argument("--exercise", help="with paths: this detector instead of the file's own")
    args = ap.parse_args()
    if args.paths:
        print(f"{'file':40} {'stream s':>9} {'cpu s':>7} {'× real time':>12} {'reps':>5}")
        for p in args.paths:
            reader = RecordingReader(p)
            h = reader.header
            stream_s, cpu, reps, _ = run_stream(reader.chunks(merge_s=MERGE_S),
                                                args.exercise or h.exercise, h.rate_hz)
            print(f"{Path(p).name[:40]:40} {stream_s:9.1f} {cpu:7.2f} {stream_s / cpu:12.0f} "
                  f"{reps:5d}")
        return 0
    if args.from_file:
        return bench_files(args.long_minutes)
    base = rss_mb()
    short_s, short_cpu, short_reps, short_rss = run_stream(synthetic_chunks(120), "nordic_curl",
                                                           100.0)
    long_s, long_cpu, long_reps, long_rss = run_stream(
        synthetic_chunks(args.long_minutes * 60), "nordic_curl", 100.0)
    print("synthetic Nordic sets, 100 Hz acc+gyro, 0.5 s chunks, one core (CPU time)")
    print(f"  2-minute stream : {short_s:8.0f} s stream in {short_cpu:6.2f} s CPU = "
          f"{short_s / short_cpu:6.0f}× real time, {short_reps} reps, RSS {short_rss:.1f} MB")
    print(f"  {args.long_minutes:.0f}-minute stream: {long_s:8.0f} s stream in {long_cpu:6.2f} s "
          f"CPU = {long_s / long_cpu:6.0f}× real time, {long_reps} reps, RSS {long_rss:.1f} MB")
    print(f"  per sample: {1e6 * long_cpu / (long_s * 100):.2f} µs")
    print(f"  RSS growth long vs short: {long_rss - short_rss:+.1f} MB (baseline {base:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
