"""The gyro unit check on real and bundled data: no false alarm, and a mix-up caught.

``core.units.GyroUnitCheck`` compares how fast the gyro says the sensor turns with how
fast gravity turns in the accelerometer (issue 16). For every bundled recording and
every set of the real datasets (SPAR, barbell, CMU; read in place from
``../shared/datasets`` by the loaders of ``real_datasets.py``) this prints, per source,
how many files the check passed, left undecided (too little turning to judge), refused
(a false alarm), and how many of the files it decided it catches when the gyro is scaled
as deg/s read as rad/s (×57.3) or the reverse (÷57.3), with the range of ratios seen.

    python benchmarks/gyro_unit_check.py
    python benchmarks/gyro_unit_check.py --datasets PATH
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import real_datasets  # noqa: E402
from eccentric.core.chunk import ImuChunk  # noqa: E402
from eccentric.core.errors import UnitError  # noqa: E402
from eccentric.core.units import RAD_PER_DEG, GyroUnitCheck  # noqa: E402
from eccentric.io.recording_reader import read_all  # noqa: E402

BLOCK = 4096  # samples per update, as a CSV file is read


def verdict(chunk: ImuChunk, rate_hz: float, scale: float) -> tuple[str, float | None]:
    check = GyroUnitCheck(rate_hz, "benchmark")
    try:
        for a in range(0, len(chunk), BLOCK):
            check.update(chunk.acc_mps2[a:a + BLOCK], chunk.gyro_rads[a:a + BLOCK] * scale)
    except UnitError:
        return "refused", check.ratio
    return ("passed" if check.done else "undecided"), check.ratio


def sources(datasets: Path) -> Iterator[tuple[str, str, ImuChunk, float]]:
    for p in sorted((ROOT / "recordings").glob("*.jsonl.gz")):
        header, chunk = read_all(p)
        yield "recordings", p.name, chunk, header.rate_hz
    for d in itertools.chain(real_datasets.load_spar(datasets),
                             real_datasets.load_barbell(datasets),
                             real_datasets.load_cmu(datasets, "working-thigh")):
        yield d.dataset, d.name, d.chunk, d.rate_hz


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", type=Path, default=real_datasets.DEFAULT_DATASETS)
    args = ap.parse_args()
    rows: dict[str, list[tuple[str, float | None, str, str]]] = defaultdict(list)
    for source, name, chunk, rate in sources(args.datasets):
        v, ratio = verdict(chunk, rate, 1.0)
        if v == "refused":
            print(f"false alarm: {source}/{name}: ratio {ratio:.2f}")
        big = verdict(chunk, rate, 1.0 / RAD_PER_DEG)[0]
        small = verdict(chunk, rate, RAD_PER_DEG)[0]
        rows[source].append((v, ratio, big, small))
    print(f"{'source':12s} {'files':>5s} {'passed':>6s} {'undecided':>9s} {'false alarm':>11s} "
          f"{'×57 caught':>10s} {'÷57 caught':>10s}  ratio range (decided)")
    alarms = 0
    for source, rs in rows.items():
        decided = [r for r in rs if r[0] == "passed"]
        ratios = [r[1] for r in decided if r[1] is not None]
        n_alarm = sum(r[0] == "refused" for r in rs)
        alarms += n_alarm
        span = f"{min(ratios):.2f}–{max(ratios):.2f}" if ratios else "–"
        print(f"{source:12s} {len(rs):5d} {len(decided):6d} "
              f"{sum(r[0] == 'undecided' for r in rs):9d} {n_alarm:11d} "
              f"{sum(r[2] == 'refused' for r in decided):7d}/{len(decided):<2d} "
              f"{sum(r[3] == 'refused' for r in decided):7d}/{len(decided):<2d}  {span}")
    print(f"thresholds: refused when the ratio is above {GyroUnitCheck.MAX_RATIO:g} or below "
          f"1/{GyroUnitCheck.MAX_RATIO:g}; median ratio overall "
          f"{np.median([r[1] for rs in rows.values() for r in rs if r[1] is not None]):.2f}")
    return 1 if alarms else 0


if __name__ == "__main__":
    sys.exit(main())
