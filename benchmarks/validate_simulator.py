"""Compare simulated thigh/shank IMU output with real lower-limb recordings.

Real data: /work/shared/datasets/cmu_lowerlimb (Phan et al. 2024, one participant, SUB22,
100 Hz, m/s² and rad/s; read in place, never copied). One CSV per repetition of 13
strength exercises, cut to the movement. Simulated data: the thigh- and shank-mounted
recordings in recordings/ (Nordic curls, ball leg curls).

Two comparisons:

A. At rest. The real files are cut to the movement, so no thigh or shank is ever truly
   still in them; the closest thing to a resting sensor is a foot standing flat on the
   floor during a bilateral squat (the quietest 0.3 s of LeftFoot/RightFoot in SqDL,
   SqHalfDL and SumoSq). The simulated counterpart is the quietest 0.3 s of the still
   start pose just before each set. Compared: gravity magnitude and the noise floor.
B. During repetitions. The exercises differ (squats, lunges, step-ups vs Nordics and
   ball curls), so these are ranges side by side, not figures expected to match: rate
   peaks, the quietest 0.3 s at a rep's ends, dynamic acceleration, and how much of the
   rate's power lies above 5 Hz (tremor, wobble, impacts).

Usage: .venv/bin/python benchmarks/validate_simulator.py [--cmu DIR] [--recordings DIR]
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from eccentric.io.recording_reader import RecordingReader, read_all

ROOT = Path(__file__).resolve().parents[1]
CMU = Path("/work/shared/datasets/cmu_lowerlimb")
G = 9.80665
QUIET_S = 0.3  # window for "still": the quietest 0.3 s at a rep's start or end


@dataclass
class Segment:
    """One repetition's samples from one sensor (t s, acc m/s², gyro rad/s)."""

    source: str
    t: np.ndarray
    acc: np.ndarray
    gyro: np.ndarray


def cmu_segments(root: Path, sensors: tuple[str, ...]) -> Iterator[Segment]:
    """Every rep file × sensor. Columns per sensor: time, quaternion (4), acc, gyro, mag."""
    for path in sorted(root.glob("SUB22/*/*.csv")):
        with path.open(newline="") as fh:
            rows = list(csv.reader(fh))
        names, qty = rows[0], rows[1]
        data = np.asarray([[float(x) for x in r[1:]] for r in rows[3:]], dtype=np.float64)
        for sensor in sensors:
            cols = [i - 1 for i, name in enumerate(names) if name == sensor]
            if not cols:
                continue
            acc_i = [c for c in cols if qty[c + 1] == "Accelerometer"]
            gyro_i = [c for c in cols if qty[c + 1] == "Gyroscope"]
            time_i = next(c for c in cols if qty[c + 1] == "Time")
            yield Segment(f"{path.parent.name}:{sensor}", data[:, time_i], data[:, acc_i],
                          data[:, gyro_i])


def sim_segments(recordings: Path, placements: tuple[str, ...],
                 before_sets: bool = False) -> Iterator[Segment]:
    """Each labelled rep of each simulated recording at a matching placement, ±0.3 s;
    or, with ``before_sets``, the still start pose from 1.8 s to 0.3 s before each set."""
    for path in sorted(recordings.glob("*.jsonl.gz")):
        reader = RecordingReader(path)
        if reader.header.placement not in placements:
            continue
        _, chunk = read_all(path)
        order = np.argsort(chunk.t_s, kind="stable")
        t, acc, gyro = chunk.t_s[order], chunk.acc_mps2[order], chunk.gyro_rads[order]
        for lab in reader.labels():
            if lab["label"] != ("set" if before_sets else "rep"):
                continue
            if before_sets:
                m = (t >= lab["start_s"] - 1.8) & (t <= lab["start_s"] - 0.3)
            else:
                m = (t >= lab["start_s"] - 0.3) & (t <= lab["end_s"] + 0.3)
            if m.sum() > 20:
                yield Segment(f"{path.name}:{reader.header.sensor}", t[m], acc[m], gyro[m])


@dataclass
class Stats:
    rest_acc_norm: list[float] = field(default_factory=list)
    rest_acc_sd_mg: list[float] = field(default_factory=list)
    rest_gyro_sd_dps: list[float] = field(default_factory=list)
    peak_rate_dps: list[float] = field(default_factory=list)
    p95_rate_dps: list[float] = field(default_factory=list)
    peak_dyn_acc: list[float] = field(default_factory=list)
    hf_fraction: list[float] = field(default_factory=list)
    f95_hz: list[float] = field(default_factory=list)

    def add(self, seg: Segment, anywhere: bool = False) -> None:
        """Add one segment; the quiet window is searched in its first and last quarter
        (a rep's still ends), or ``anywhere`` (a rest period)."""
        dt = float(np.median(np.diff(seg.t)))
        rate = 1.0 / dt
        n = round(QUIET_S * rate)
        norm_acc = np.linalg.norm(seg.acc, axis=1)
        norm_w = np.degrees(np.linalg.norm(seg.gyro, axis=1))
        if len(norm_w) < (n + 1 if anywhere else 3 * n):
            return
        edge = max(len(norm_w) // 4, n + 1)
        starts = (list(range(0, len(norm_w) - n + 1)) if anywhere else
                  [*range(0, edge - n), *range(len(norm_w) - edge, len(norm_w) - n)])
        means = [float(norm_w[s:s + n].mean()) for s in starts]
        s0 = starts[int(np.argmin(means))]
        win = slice(s0, s0 + n)
        self.rest_acc_norm.append(float(norm_acc[win].mean()))
        self.rest_acc_sd_mg.append(float(norm_acc[win].std()) / G * 1000.0)
        self.rest_gyro_sd_dps.append(float(np.degrees(seg.gyro[win]).std(axis=0).mean()))
        self.peak_rate_dps.append(float(norm_w.max()))
        self.p95_rate_dps.append(float(np.percentile(norm_w, 95)))
        self.peak_dyn_acc.append(float(np.abs(norm_acc - G).max()))
        # Spectrum of the rate magnitude (mean removed): share of power above 5 Hz and the
        # frequency below which 95 % of the power lies.
        x = norm_w - norm_w.mean()
        spec = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
        freqs = np.fft.rfftfreq(len(x), dt)
        total = float(spec[1:].sum())
        if total > 0:
            self.hf_fraction.append(float(spec[freqs > 5.0].sum()) / total)
            cum = np.cumsum(spec[1:]) / total
            self.f95_hz.append(float(freqs[1:][np.searchsorted(cum, 0.95)]))


def _fmt(values: list[float], digits: int) -> str:
    if not values:
        return "—"
    a = np.asarray(values)
    q1, med, q3 = np.percentile(a, [25, 50, 75])
    return f"{med:.{digits}f} [{q1:.{digits}f}–{q3:.{digits}f}]"


REST_ROWS = (
    ("|acc| at rest (m/s²)", "rest_acc_norm", 3),
    ("|acc| SD at rest (mg)", "rest_acc_sd_mg", 1),
    ("gyro SD at rest (°/s, per axis)", "rest_gyro_sd_dps", 2),
)
ROWS = (
    ("|acc| in quietest 0.3 s at ends (m/s²)", "rest_acc_norm", 3),
    ("|acc| SD there (mg)", "rest_acc_sd_mg", 1),
    ("gyro SD there (°/s, per axis)", "rest_gyro_sd_dps", 2),
    ("peak |ω| per rep (°/s)", "peak_rate_dps", 0),
    ("95th pct |ω| per rep (°/s)", "p95_rate_dps", 0),
    ("peak ||acc| − g| per rep (m/s²)", "peak_dyn_acc", 1),
    ("|ω| power above 5 Hz (fraction)", "hf_fraction", 3),
    ("|ω| 95 % power frequency (Hz)", "f95_hz", 2),
)


def _table(rows: tuple[tuple[str, str, int], ...], real: Stats, sim: Stats) -> None:
    print(f"{'quantity':40s} {'real (CMU)':>22s} {'simulated':>22s}")
    for label, attr, digits in rows:
        print(f"{label:40s} {_fmt(getattr(real, attr), digits):>22s} "
              f"{_fmt(getattr(sim, attr), digits):>22s}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cmu", type=Path, default=CMU)
    ap.add_argument("--recordings", type=Path, default=ROOT / "recordings")
    args = ap.parse_args(argv)
    if not args.cmu.exists():
        print(f"real data not found at {args.cmu}", file=sys.stderr)
        return 1
    print("median [interquartile range]; real = CMU SUB22 (100 Hz), simulated = recordings/")
    real_rest, sim_rest = Stats(), Stats()
    n_real = n_sim = 0
    for seg in cmu_segments(args.cmu, ("LeftFoot", "RightFoot")):
        if seg.source.split(":")[0] in ("SqDL", "SqHalfDL", "SumoSq"):
            real_rest.add(seg, anywhere=True)
            n_real += 1
    for seg in sim_segments(args.recordings, ("thigh", "shank"), before_sets=True):
        sim_rest.add(seg, anywhere=True)
        n_sim += 1
    print(f"\nA. at rest: real = foot flat during bilateral squats ({n_real} rep files); "
          f"simulated = start pose before each set ({n_sim} sets, thigh + shank)")
    _table(REST_ROWS, real_rest, sim_rest)
    groups = {
        "thigh": (("LeftThigh", "RightThigh"), ("thigh",)),
        "shank": (("LeftShank", "RightShank"), ("shank",)),
    }
    for name, (cmu_sensors, placements) in groups.items():
        real, sim = Stats(), Stats()
        n_real = n_sim = 0
        for seg in cmu_segments(args.cmu, cmu_sensors):
            real.add(seg)
            n_real += 1
        for seg in sim_segments(args.recordings, placements):
            sim.add(seg)
            n_sim += 1
        print(f"\nB. {name} during reps: real {n_real} rep×sensor segments (13 exercises), "
              f"simulated {n_sim} reps")
        _table(ROWS, real, sim)
    print(f"\nstandard gravity {G} m/s²; |ω| = gyro magnitude")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
