"""The generic ``auto`` counter on real wearable-IMU recordings (developer split).

Every set is streamed through ``eccentric.session.pipeline.Pipeline`` (exercise ``auto``) in chunks
(0.5 s by default), exactly as a live session would see it, and the number of ``rep``
events is compared with the dataset's repetition count.

    python benchmarks/real_datasets.py                  # all three datasets, tables
    python benchmarks/real_datasets.py --json           # machine-readable
    python benchmarks/real_datasets.py --only spar --loso   # + leave-one-subject-out

Datasets (read in place, never copied; see each folder's README):
* ``spar/``: Apple Watch on the wrist, 50 Hz, acc in g, gyro in rad/s, 20 reps per file.
* ``barbell/``: MetaWear wristband, acc 12.5 Hz (g) + gyro 25 Hz (deg/s) in separate
  files, aligned on the epoch clock and resampled to 25 Hz; only ``label_status=ok`` rows.
* ``cmu_lowerlimb/``: 10 IMUs at 100 Hz, one file per repetition; a set is its rep files
  concatenated on their own clock, so the cut-out rests appear as time gaps. By default the
  counted sensor is the thigh of the working leg (the thigh, of the two, that rotates
  more over the set: where a user would strap the sensor); ``--cmu-sensor`` picks another.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from eccentric.core.chunk import ImuChunk, iter_chunks  # noqa: E402
from eccentric.detect.cycles.counter import CycleCounter  # noqa: E402
from eccentric.detect.cycles.settings import CycleSettings  # noqa: E402
from eccentric.io.csv_import import read_csv  # noqa: E402
from eccentric.io.metawear_csv import read_metawear  # noqa: E402
from eccentric.session.pipeline import Pipeline, PipelineConfig  # noqa: E402

DEFAULT_DATASETS = ROOT.parent / "shared" / "datasets"
CMU_SENSORS = ("Chest", "LeftFoot", "LeftShank", "LeftThigh", "LeftWrist", "Pelvis",
               "RightFoot", "RightShank", "RightThigh", "RightWrist")
BARBELL_RATE_HZ = 25.0  # the gyro's rate; the 12.5 Hz accelerometer is interpolated


@dataclass
class SetData:
    dataset: str
    name: str
    exercise: str
    subject: str
    true_reps: int
    chunk: ImuChunk
    rate_hz: float
    note: str = ""


@dataclass
class Result:
    data: SetData
    count: int
    detector_cpu_s: float
    samples: int
    latencies_s: list[float] = field(default_factory=list)  # reps decided after the lock
    warmup_latencies_s: list[float] = field(default_factory=list)  # replayed at the lock

    @property
    def error(self) -> int:
        return self.count - self.data.true_reps


# ---------------------------------------------------------------------------- loaders


def _manifest(folder: Path) -> list[dict[str, str]]:
    path = folder / "manifest.csv"
    if not path.exists():
        raise SystemExit(f"missing {path}: is the datasets folder at {folder.parent}?")
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def load_spar(root: Path) -> Iterator[SetData]:
    folder = root / "spar"
    for row in _manifest(folder):
        d = read_csv(folder / row["file"], rate_hz=50.0, acc_unit="g", gyro_unit="rad/s")
        yield SetData("spar", row["file"], row["exercise"], row["subject"],
                      int(row["true_reps"]), d.chunk, d.rate_hz)


def load_barbell(root: Path) -> Iterator[SetData]:
    folder = root / "barbell"
    for row in _manifest(folder):
        if row["label_status"] != "ok":
            continue
        d = read_metawear(folder / row["file"], folder / row["gyro_file"],
                          rate_hz=BARBELL_RATE_HZ)
        name = row["file"].split("_MetaWear_")[0] + "@" + row["start_time"][11:19]
        yield SetData("barbell", name, row["exercise"], row["subject"],
                      int(row["true_reps"]), d.chunk, d.rate_hz)


def _cmu_columns(path: Path) -> dict[tuple[str, str, str], int]:
    with path.open(newline="") as fh:
        reader = csv.reader(fh)
        rows = [next(reader) for _ in range(3)]
    return {(s, q, a): i for i, (s, q, a) in enumerate(zip(*rows, strict=True)) if s}


def _cmu_rep(path: Path, sensor: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cols = _cmu_columns(path)
    want = [cols[(sensor, "Time", "S")]]
    want += [cols[(sensor, "Accelerometer", ax)] for ax in "XYZ"]
    want += [cols[(sensor, "Gyroscope", ax)] for ax in "XYZ"]
    data = np.loadtxt(path, delimiter=",", skiprows=3, usecols=want, ndmin=2)
    return data[:, 0], data[:, 1:4], data[:, 4:7]


def load_cmu(root: Path, sensor: str) -> Iterator[SetData]:
    """``sensor`` is one of CMU_SENSORS, or ``working-thigh`` / ``working-shank``."""
    folder = root / "cmu_lowerlimb"
    reps_by_set: dict[str, list[tuple[int, str]]] = defaultdict(list)
    with (folder / "reps.csv").open(newline="") as fh:
        for r in csv.DictReader(fh):
            reps_by_set[r["file"].rsplit("/", 1)[0] + "/"].append(
                (int(r["rep_index"]), r["file"]))
    for row in _manifest(folder):
        files = [folder / f for _, f in sorted(reps_by_set[row["file"]])]
        candidates = [sensor]
        if sensor.startswith("working-"):
            segment = sensor.split("-", 1)[1].capitalize()
            candidates = [f"Left{segment}", f"Right{segment}"]
        best: tuple[float, str, ImuChunk] | None = None
        for cand in candidates:
            parts = [_cmu_rep(f, cand) for f in files]
            t = np.concatenate([p[0] for p in parts])
            acc = np.concatenate([p[1] for p in parts])
            gyro = np.concatenate([p[2] for p in parts])
            # The working leg's segment rotates more: mean squared angular rate.
            energy = float(np.mean(np.sum(gyro**2, axis=1)))
            chunk = ImuChunk.from_arrays(t, acc, gyro, source=f"{row['file']}{cand}")
            if best is None or energy > best[0]:
                best = (energy, cand, chunk)
        assert best is not None
        yield SetData("cmu_lowerlimb", row["file"].strip("/").split("/")[-1], row["exercise"],
                      row["subject"], int(row["true_reps"]), best[2], 100.0, note=best[1])


# ---------------------------------------------------------------------------- running


def run_set(s: SetData, chunk_s: float, settings: CycleSettings = CycleSettings()) -> Result:
    """Stream one set through the pipeline; time the detector's own calls (CPU).

    The session's counter is replaced by one with ``settings`` (the same as the one the
    session builds when they are the defaults); ``auto`` never swaps its detector.
    """
    session = Pipeline(PipelineConfig(exercise="auto", rate_hz=s.rate_hz, session_id=s.name))
    det = session.detector = CycleCounter(s.rate_hz, settings)
    spent = [0.0]

    def timed(fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any) -> Any:
            t0 = time.process_time()
            try:
                return fn(*args)
            finally:
                spent[0] += time.process_time() - t0
        return wrapper

    det.update = timed(det.update)  # type: ignore[method-assign]
    det.finish = timed(det.finish)  # type: ignore[method-assign]
    count = 0
    latencies: list[float] = []
    warmup: list[float] = []
    for c in iter_chunks(s.chunk, chunk_s):
        for ev in session.process(c):
            if ev["type"] == "rep":
                count += 1
                lat = ev["decided_s"] - ev["end_s"]
                (warmup if "warmup" in ev["flags"] else latencies).append(lat)
    for ev in session.finish():
        if ev["type"] == "rep":
            count += 1
    return Result(s, count, spent[0], len(s.chunk), latencies, warmup)


def percentiles(xs: list[float]) -> dict[str, float | int | None]:
    """Median, 95th percentile and maximum (s) of decision latencies, and their count."""
    if not xs:
        return {"n": 0, "p50_s": None, "p95_s": None, "max_s": None}
    p50, p95 = np.percentile(xs, [50.0, 95.0])
    return {"n": len(xs), "p50_s": round(float(p50), 2), "p95_s": round(float(p95), 2),
            "max_s": round(float(max(xs)), 2)}


def summary(results: list[Result]) -> dict[str, Any]:
    n = len(results)
    if n == 0:
        return {"sets": 0}
    err = np.array([r.error for r in results])
    samples = sum(r.samples for r in results)
    cpu = sum(r.detector_cpu_s for r in results)
    lat = [x for r in results for x in r.latencies_s]
    warm = [x for r in results for x in r.warmup_latencies_s]
    return {
        "sets": n,
        "exact_pct": round(100.0 * float(np.mean(err == 0)), 1),
        "within1_pct": round(100.0 * float(np.mean(np.abs(err) <= 1)), 1),
        "mae_reps": round(float(np.mean(np.abs(err))), 3),
        "bias_reps": round(float(np.mean(err)), 3),
        "detector_us_per_sample": round(1e6 * cpu / max(samples, 1), 2),
        "decision_latency": percentiles(lat),
        "warmup_decision_latency": percentiles(warm),
    }


def by_exercise(results: list[Result]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        groups[r.data.exercise].append(r)
    return {k: summary(v) for k, v in sorted(groups.items())}


def print_table(title: str, results: list[Result]) -> None:
    s = summary(results)
    print(f"\n{title}")
    if not s["sets"]:
        print("  (no sets)")
        return
    print(f"  {'exercise':28} {'sets':>4} {'exact %':>8} {'±1 %':>6} {'MAE':>6} {'bias':>6}")
    for ex, e in by_exercise(results).items():
        print(f"  {ex:28} {e['sets']:4d} {e['exact_pct']:8.1f} {e['within1_pct']:6.1f} "
              f"{e['mae_reps']:6.2f} {e['bias_reps']:+6.2f}")
    print(f"  {'ALL':28} {s['sets']:4d} {s['exact_pct']:8.1f} {s['within1_pct']:6.1f} "
          f"{s['mae_reps']:6.2f} {s['bias_reps']:+6.2f}")
    lat, warm = s["decision_latency"], s["warmup_decision_latency"]
    print(f"  detector alone: {s['detector_us_per_sample']:.2f} µs/sample (CPU)")
    print(f"  decision latency after the rep's end (s): p50 {lat['p50_s']}, p95 {lat['p95_s']}, "
          f"max {lat['max_s']} over {lat['n']} reps; warm-up reps (decided at the lock): "
          f"p50 {warm['p50_s']}, max {warm['max_s']} over {warm['n']}")
    wrong = [r for r in results if r.error != 0]
    if wrong:
        print("  miscounted: " + ", ".join(
            f"{r.data.name}{'[' + r.data.note + ']' if r.data.note else ''} "
            f"{r.count}/{r.data.true_reps}" for r in wrong))


def loso(sets: list[SetData], chunk_s: float, grid: tuple[float, ...]
         ) -> dict[str, Any]:
    """Leave-one-subject-out for the one setting compared on data (swing_fraction):
    choose it on the other subjects (most exact counts, then fewest off-by-more-than-one,
    then lowest MAE), count the held-out subject with it."""
    counts: dict[float, list[Result]] = {}
    for v in grid:
        settings = replace(CycleSettings(), swing_fraction=v)
        counts[v] = [run_set(s, chunk_s, settings) for s in sets]
    subjects = sorted({s.subject for s in sets})
    held: list[Result] = []
    chosen: dict[str, float] = {}

    def key(rs: list[Result]) -> tuple[float, float, float]:
        e = np.array([r.error for r in rs])
        return (float(np.mean(e == 0)), float(np.mean(np.abs(e) <= 1)),
                -float(np.mean(np.abs(e))))

    for subj in subjects:
        best = max(grid, key=lambda v: key([r for r in counts[v] if r.data.subject != subj]))
        chosen[subj] = best
        held += [r for r in counts[best] if r.data.subject == subj]
    return {"grid": list(grid), "chosen": chosen, "held_out": summary(held),
            "per_value": {str(v): summary(rs) for v, rs in counts.items()}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS,
                    help=f"folder holding spar/, barbell/, cmu_lowerlimb/ "
                         f"(default: {DEFAULT_DATASETS})")
    ap.add_argument("--only", choices=("spar", "barbell", "cmu"), action="append")
    ap.add_argument("--chunk-s", type=float, default=0.5, help="stream chunk length (s)")
    ap.add_argument("--cmu-sensor", default="working-thigh",
                    help="CMU sensor: working-thigh (default), working-shank, one of "
                         + ", ".join(CMU_SENSORS) + ", or 'all' for a per-sensor table")
    ap.add_argument("--loso", action="store_true",
                    help="leave-one-subject-out check of swing_fraction on SPAR")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()
    root: Path = args.datasets
    if not root.is_dir():
        print(f"datasets folder not found: {root}", file=sys.stderr)
        return 2
    only = set(args.only or ("spar", "barbell", "cmu"))
    defaults = CycleSettings()
    report: dict[str, Any] = {"datasets_dir": str(root), "chunk_s": args.chunk_s,
                              "settings": {"swing_fraction": defaults.swing_fraction,
                                           "lock_score": defaults.lock_score}}
    tables: list[tuple[str, list[Result]]] = []
    spar_sets: list[SetData] = []
    if "spar" in only:
        spar_sets = list(load_spar(root))
        tables.append(("SPAR (Apple Watch, wrist, 50 Hz; 20 reps per set by protocol)",
                       [run_set(s, args.chunk_s) for s in spar_sets]))
    if "barbell" in only:
        tables.append(("barbell (MetaWear wristband, resampled to 25 Hz; label_status=ok)",
                       [run_set(s, args.chunk_s) for s in load_barbell(root)]))
    if "cmu" in only:
        sensors = CMU_SENSORS if args.cmu_sensor == "all" else (args.cmu_sensor,)
        for sensor in sensors:
            tables.append((f"cmu_lowerlimb (sensor: {sensor}; 100 Hz, rests cut out)",
                           [run_set(s, args.chunk_s) for s in load_cmu(root, sensor)]))
    for title, results in tables:
        key = title.split(" ")[0] + ("" if "sensor" not in title else
                                     ":" + title.split("sensor: ")[1].split(";")[0])
        report[key] = {
            "summary": summary(results),
            "by_exercise": by_exercise(results),
            "sets": [{"name": r.data.name, "exercise": r.data.exercise,
                      "subject": r.data.subject, "true": r.data.true_reps, "count": r.count,
                      **({"sensor": r.data.note} if r.data.note else {})} for r in results],
        }
    if args.loso and spar_sets:
        report["spar_loso_swing_fraction"] = loso(spar_sets, args.chunk_s,
                                                  (0.3, 0.4, 0.5, 0.6))
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    for title, results in tables:
        print_table(title, results)
    if "spar_loso_swing_fraction" in report:
        lo = report["spar_loso_swing_fraction"]
        h = lo["held_out"]
        print("\nSPAR leave-one-subject-out (swing_fraction chosen on the other subjects):")
        print(f"  chosen per held-out subject: {lo['chosen']}")
        print(f"  held-out: exact {h['exact_pct']:.1f} %, ±1 {h['within1_pct']:.1f} %, "
              f"MAE {h['mae_reps']:.2f}")
        for v, s in lo["per_value"].items():
            print(f"  all subjects at {v}: exact {s['exact_pct']:.1f} %, ±1 "
                  f"{s['within1_pct']:.1f} %, MAE {s['mae_reps']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
