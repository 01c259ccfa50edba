"""Bad input files and wrong flags (issue 16, file half; issue 14, streaming CSV): each
ends in a clear one-line error naming the file, line or flag with a non-zero exit, or in
a warning and a correct (partial) result. Never a traceback, never a silent wrong answer.

Each case builds its input, runs the real command line in a fresh interpreter (so what
the user sees on stderr, logged warnings included, is what is checked) and expects an
exit code and message fragments.
"""

from __future__ import annotations

import json
import os
import pty
import random
import select
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from eccentric.core.timing import TimeColumnRepair
from eccentric.core.units import RAD_PER_DEG, GyroUnitCheck
from eccentric.io.csv_import import BLOCK_ROWS, MAX_LINE_CHARS, CsvStream
from eccentric.io.recording_reader import read_all
from tests.detectors.test_generic import angle_stream, to_chunk

ROOT = Path(__file__).resolve().parents[1]
RECORDING = ROOT / "recordings" / "ball_double_shank_polar52.jsonl.gz"
UNITS = ["--acc-unit", "m/s2", "--gyro-unit", "rad/s"]
REPS = 6


def eccentric(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "eccentric", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120)


def six_reps() -> np.ndarray:
    """Rows t, ax, ay, az, gx, gy, gz (s, m/s², rad/s) of six clear reps at 100 Hz."""
    t, ang, _ = angle_stream([1.8] * REPS, [50.0] * REPS)
    c = to_chunk(t, ang)
    return np.column_stack([c.t_s, c.acc_mps2, c.gyro_rads])


def save(path: Path, rows: np.ndarray) -> Path:
    np.savetxt(path, rows, delimiter=",", header="t,ax,ay,az,gx,gy,gz", comments="",
               fmt="%.9g")
    return path


def json_results(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


# ------------------------------------------------------------------ the table of cases


@dataclass
class Case:
    name: str
    build: Callable[[Path], list[str]]  # writes the input under tmp, returns the arguments
    rc: int
    stderr: list[str]  # fragments that must all appear on stderr
    check: Callable[[list[dict[str, Any]]], None] | None = None  # on the --json results
    not_stderr: list[str] = field(default_factory=lambda: ["Traceback"])


def long_line(tmp: Path) -> list[str]:
    p = tmp / "long.csv"
    with p.open("w") as fh:
        fh.write("t,ax,ay,az,gx,gy,gz\n0,0,0,9.8,0,0,0\n")
        fh.write("0.01," + "1" * (4 * MAX_LINE_CHARS) + ",0,9.8,0,0,0\n")
    return ["count", str(p), *UNITS]


def bad_number_late(tmp: Path) -> list[str]:
    rows = np.tile(six_reps(), (8, 1))  # several blocks: the error is in a later one
    rows[:, 0] = np.arange(len(rows)) / 100.0
    p = save(tmp / "late.csv", rows)
    lines = p.read_text().splitlines()
    lines[BLOCK_ROWS + 500] = "1,2,oops,4,5,6,7"
    p.write_text("\n".join(lines) + "\n")
    return ["count", str(p), *UNITS]


def corrupt_recording(tmp: Path, command: str = "count") -> list[str]:
    data = bytearray(RECORDING.read_bytes())
    rng = random.Random(1)
    for i in rng.sample(range(len(data) // 3, len(data) - 16), 20):
        data[i] ^= 0xFF
    p = tmp / "flipped.jsonl.gz"
    p.write_bytes(bytes(data))
    return [command, str(p)] + (["--json"] if command == "replay" else [])


def truncated_recording(tmp: Path) -> list[str]:
    p = tmp / "cut.jsonl.gz"
    p.write_bytes(RECORDING.read_bytes()[: RECORDING.stat().st_size // 2])
    return ["count", str(p)]


def time_outlier(tmp: Path) -> list[str]:
    rows = six_reps()
    rows[len(rows) // 2, 0] = 1e300
    return ["count", str(save(tmp / "spike.csv", rows)), *UNITS]


def clock_back(tmp: Path) -> list[str]:
    rows = six_reps()
    rows[len(rows) // 2:, 0] -= 20.0
    return ["count", str(save(tmp / "back.csv", rows)), *UNITS]


def duplicated_rows(tmp: Path) -> list[str]:
    rows = six_reps()
    rows = np.insert(rows, [100, 200, 300], rows[[100, 200, 300]], axis=0)
    return ["count", str(save(tmp / "dups.csv", rows)), *UNITS]


def gyro_deg_as_rad(tmp: Path) -> list[str]:
    rows = six_reps()
    rows[:, 4:] /= RAD_PER_DEG  # the file is in deg/s ...
    return ["count", str(save(tmp / "degs.csv", rows)), *UNITS]  # ... declared rad/s


def gyro_rad_as_deg(tmp: Path) -> list[str]:
    p = save(tmp / "rads.csv", six_reps())
    return ["count", str(p), "--acc-unit", "m/s2", "--gyro-unit", "deg/s"]


def wrong_rate(tmp: Path) -> list[str]:
    rows = six_reps()
    rows[:, 0] = np.arange(len(rows)) / 52.0
    return ["count", str(save(tmp / "t52.csv", rows)), "--rate", "200", *UNITS]


def empty_dir(tmp: Path) -> list[str]:
    (tmp / "empty").mkdir()
    return ["count", str(tmp / "empty"), *UNITS]


def csv_dir(tmp: Path, units: bool = True) -> list[str]:
    d = tmp / "sets"
    d.mkdir()
    save(d / "a.csv", six_reps())
    save(d / "b.csv", six_reps())
    return ["count", str(d), *(UNITS if units else [])]


def replay_csv(tmp: Path) -> list[str]:
    return ["replay", str(save(tmp / "x.csv", six_reps())), "--json", *UNITS, "--rate", "100"]


def replay_csv_without_units(tmp: Path) -> list[str]:
    return ["replay", str(save(tmp / "x.csv", six_reps()))]


def reps_and_accounting(n_reps: int, dropped: dict[str, int] | None = None
                        ) -> Callable[[list[dict[str, Any]]], None]:
    def check(results: list[dict[str, Any]]) -> None:
        assert results, "no JSON result"
        for r in results:
            assert r["reps"] == n_reps
            assert r["dropped"] == (dropped or {})
            assert r["samples_dropped"] == sum((dropped or {}).values())
            assert bool(r["warnings"]) == bool(dropped)
    return check


def partial(results: list[dict[str, Any]]) -> None:
    (r,) = results
    assert r["warnings"] and r["samples_accepted"] > 0 and r["reps"] >= 0


def replay_reps(n: int) -> Callable[[list[dict[str, Any]]], None]:
    def check(events: list[dict[str, Any]]) -> None:
        assert sum(e["type"] == "rep" for e in events) == n
    return check


CASES = [
    Case("line of 256 KiB", long_line, 1,
         ["long.csv:3: line longer than 65536 characters"]),
    Case("bad number in a later block", bad_number_late, 1,
         [f"late.csv:{BLOCK_ROWS + 501}: 'oops' is not a number"]),
    Case("20 flipped bytes in a recording (count)", corrupt_recording, 0,
         ["flipped.jsonl.gz: the compressed data are corrupt after line"], partial),
    Case("20 flipped bytes in a recording (replay)",
         lambda tmp: corrupt_recording(tmp, "replay"), 0,
         ["flipped.jsonl.gz: the compressed data are corrupt after line"]),
    Case("truncated recording", truncated_recording, 0,
         ["cut.jsonl.gz: compressed stream ends early"]),
    Case("one sample at t = 1e300", time_outlier, 0,
         ["spike.csv:842: dropped 1 row(s) whose time is far from both neighbours"],
         reps_and_accounting(REPS, {"time_outlier": 1})),
    Case("clock jumps back 20 s", clock_back, 0,
         ["back.csv:842: the clock jumps back 20.0 s"],
         lambda rs: reps_and_accounting(REPS)([{**r, "warnings": []} for r in rs])),
    Case("duplicated rows", duplicated_rows, 0,
         ["dups.csv: dropped 3 sample(s) whose time repeats or goes back"],
         reps_and_accounting(REPS, {"duplicate": 3})),
    Case("gyro in deg/s declared rad/s", gyro_deg_as_rad, 1,
         ["degs.csv", "deg/s declared as rad/s", "--gyro-unit"]),
    Case("gyro in rad/s declared deg/s", gyro_rad_as_deg, 1,
         ["rads.csv", "rad/s declared as deg/s", "--gyro-unit"]),
    Case("--rate 200 for a 52 Hz t column", wrong_rate, 1,
         ["t52.csv: --rate 200 Hz contradicts column t, which says 52.0 Hz"]),
    Case("empty directory", empty_dir, 1, ["empty: directory holds no"]),
    Case("directory of CSV files", csv_dir, 0, [], reps_and_accounting(REPS)),
    Case("directory of CSV files, no unit flags", lambda tmp: csv_dir(tmp, units=False), 1,
         ["a.csv: a CSV file needs --acc-unit and --gyro-unit",
          "b.csv: a CSV file needs --acc-unit and --gyro-unit"]),
    Case("replay a CSV file with the unit flags", replay_csv, 0, [], replay_reps(REPS)),
    Case("replay a CSV file without them", replay_csv_without_units, 1,
         ["x.csv: a CSV file needs --acc-unit and --gyro-unit"]),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, tmp_path: Path) -> None:
    args = case.build(tmp_path)
    if args[0] == "count":
        args.append("--json")
    out = eccentric(*args)
    assert out.returncode == case.rc, out.stderr
    for fragment in case.stderr:
        assert fragment in out.stderr
    for fragment in case.not_stderr:
        assert fragment not in out.stderr
    if case.rc != 0:  # one line per failed file, nothing else
        failed = [ln for ln in out.stderr.splitlines() if not ln.startswith("WARNING")]
        assert all(ln.startswith(f"eccentric {args[0]}: ") for ln in failed), out.stderr
    if case.check is not None:
        case.check(json_results(out.stdout))


def test_replay_advises_only_flags_it_accepts(tmp_path: Path) -> None:
    out = eccentric(*replay_csv_without_units(tmp_path))
    help_text = eccentric("replay", "--help").stdout
    for flag in ("--acc-unit", "--gyro-unit"):
        assert flag in out.stderr and flag in help_text


# --------------------------------------------------------------- memory and streaming


def peak_rss_mb(*args: str) -> float:
    """Peak RSS of one command, measured from a wrapper whose only child it is."""
    wrapper = ("import resource, subprocess, sys\n"
               "subprocess.run(sys.argv[1:], capture_output=True)\n"
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-m", "eccentric",
                          *args], capture_output=True, text=True, env=env, check=True)
    return int(out.stdout) / 1024.0


def test_a_huge_line_costs_no_memory(tmp_path: Path) -> None:
    p = tmp_path / "huge.csv"
    with p.open("w") as fh:
        fh.write("t,ax,ay,az,gx,gy,gz\n0,")
        for _ in range(100):
            fh.write("1" * 1_000_000)  # one 100 MB field
        fh.write(",0,9.8,0,0,0\n")
    small = save(tmp_path / "small.csv", six_reps()[:50])
    base = peak_rss_mb("count", str(small), *UNITS)
    assert peak_rss_mb("count", str(p), *UNITS) < base + 20


def test_csv_is_read_in_blocks(tmp_path: Path) -> None:
    rows = np.tile(six_reps(), (10, 1))
    rows[:, 0] = np.arange(len(rows)) / 100.0
    p = save(tmp_path / "long.csv", rows)
    stream = CsvStream(p, rate_hz=None, acc_unit="m/s2", gyro_unit="rad/s")
    assert stream.position_bytes < stream.size_bytes / 2  # opening read one block only
    sizes = [len(c) for c in stream.chunks()]
    assert len(sizes) == -(-len(rows) // BLOCK_ROWS) and sum(sizes) == len(rows)
    assert stream.stats.rows == len(rows) and stream.rate_hz == pytest.approx(100.0)


def test_count_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    rows = six_reps()
    short = save(tmp_path / "short.csv", rows)
    many = np.tile(rows, (120, 1))  # 200 000 rows, 34 minutes at 100 Hz
    many[:, 0] = np.arange(len(many)) / 100.0
    long = save(tmp_path / "long.csv", many)
    assert peak_rss_mb("count", str(long), *UNITS) < peak_rss_mb("count", str(short),
                                                                  *UNITS) + 20


# --------------------------------------------------------------------- time column


def test_time_repair_is_the_same_in_any_blocks() -> None:
    t = np.arange(1000) / 100.0
    t[300] = 1e300
    t[600:] -= 20.0
    rows = np.column_stack([t, np.zeros((1000, 2))])
    lines = np.arange(2, 1002)
    whole = TimeColumnRepair(0.01).process(rows, lines, final=True)
    repair = TimeColumnRepair(0.01)
    parts = [repair.process(rows[a:a + 7], lines[a:a + 7], final=a + 7 >= 1000)
             for a in range(0, 1000, 7)]
    pieces = np.concatenate([p[0] for p in parts])
    np.testing.assert_array_equal(pieces, whole[0])
    assert repair.outliers == 1 and repair.first_outlier_line == 302
    assert [(r.line, round(r.back_s, 2)) for r in repair.resets] == [(602, 20.0)]
    assert (np.diff(pieces[:, 0]) > 0).all()  # one continuous clock


def test_an_absurd_first_time_is_an_outlier_too() -> None:
    t = np.arange(100) / 100.0
    t[0] = 1e300
    rows = np.column_stack([t, np.zeros(100)])
    repair = TimeColumnRepair(0.01)
    out, lines = repair.process(rows, np.arange(2, 102), final=True)
    assert repair.outliers == 1 and repair.resets == [] and lines[0] == 3
    np.testing.assert_array_equal(out[:, 0], t[1:])


# ----------------------------------------------------------------- gyro unit check


def check_ratio(acc: np.ndarray, gyro: np.ndarray, rate_hz: float) -> GyroUnitCheck:
    check = GyroUnitCheck(rate_hz, "test")
    for a in range(0, len(acc), 1000):
        check.update(acc[a:a + 1000], gyro[a:a + 1000])
    return check


@pytest.mark.parametrize("path", sorted((ROOT / "recordings").glob("*.jsonl.gz"))[::4],
                         ids=lambda p: p.name)
def test_gyro_check_passes_bundled_recordings_and_catches_a_mix_up(path: Path) -> None:
    header, chunk = read_all(path)
    check = check_ratio(chunk.acc_mps2, chunk.gyro_rads, header.rate_hz)
    assert check.done and check.ratio is not None and 0.2 < check.ratio < 5
    for scale in (1 / RAD_PER_DEG, RAD_PER_DEG):
        with pytest.raises(Exception, match="--gyro-unit"):
            check_ratio(chunk.acc_mps2, chunk.gyro_rads * scale, header.rate_hz)


# ----------------------------------------------------------------------- progress


def on_a_terminal(*args: str) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal; returns the exit code and what it showed."""
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "eccentric", *args],
                            stdout=subprocess.DEVNULL, stderr=slave, env=env)
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            seen += data
        elif proc.poll() is not None:
            break
    os.close(master)
    return proc.wait(timeout=60), seen.decode(errors="replace")


BAR = "━"


def test_count_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    p = save(tmp_path / "bar.csv", six_reps())
    rc, shown = on_a_terminal("count", str(p), *UNITS, "--json")
    assert rc == 0 and BAR in shown and "bar.csv" in shown
    piped = eccentric("count", str(p), *UNITS, "--json")
    assert piped.returncode == 0 and piped.stderr == ""


def test_simulate_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    args = ["simulate", "--exercise", "nordic_curl", "--placement", "thigh", "--reps", "2",
            "--sets", "1"]
    rc, shown = on_a_terminal(*args, "--out", str(tmp_path / "a.jsonl.gz"))
    assert rc == 0 and BAR in shown and "simulating" in shown
    piped = eccentric(*args, "--out", str(tmp_path / "b.jsonl.gz"))
    assert piped.returncode == 0 and piped.stderr == ""



def test_an_absurd_time_in_a_recording_costs_one_sample(tmp_path: Path) -> None:
    """A corrupt time stamp far ahead (in the middle, or as the very last sample) once
    hung the still-pose calibrator; now the sample is dropped and the reps are found."""
    from eccentric.core.chunk import ImuChunk
    from eccentric.io.recording_writer import RecordingWriter

    header, chunk = read_all(RECORDING)
    t = chunk.t_s.copy()
    t[len(t) // 2] = 1e92
    t[-1] = 1e300
    bad = tmp_path / "odd_times.jsonl.gz"
    with RecordingWriter(bad, header) as w:
        w.write_chunk(ImuChunk(t, chunk.acc_mps2, chunk.gyro_rads))
    clean = json_results(eccentric("count", str(RECORDING), "--json").stdout)[0]
    out = eccentric("count", str(bad), "--json")
    assert out.returncode == 0, out.stderr
    assert "dropped 2 sample(s) whose time is far from both neighbours" in out.stderr
    (r,) = json_results(out.stdout)
    assert r["reps"] == clean["reps"] > 0
    assert r["dropped"] == {"time_outlier": 2}
    assert r["samples_accepted"] == clean["samples_accepted"] - 2
