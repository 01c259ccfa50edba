"""Random bytes and numeric garbage into the CSV and recording readers (issue 16).

Whatever the file holds, counting it either fails with one of the project's
EccentricError subclasses (a clear one-line message) or returns a result in which
every sample read is accounted for: accepted by the pipeline or dropped for a named
reason, with a warning whenever anything was dropped.
"""

from __future__ import annotations

import signal
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from eccentric.app import cli
from eccentric.app.commands.count import count_file
from eccentric.core.chunk import ImuChunk
from eccentric.core.errors import EccentricError
from eccentric.io.recording_format import RecordingHeader
from eccentric.io.recording_writer import RecordingWriter

RATE_HZ = 50.0
GARBAGE = [float("nan"), float("inf"), float("-inf"), 1e300, -1e300, 1e92, 0.0, -1.0]
FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


def clean_rows(n: int) -> np.ndarray:
    """t, acc (m/s²), gyro (rad/s): a segment swinging 30° every 2 s, consistent."""
    t = np.arange(n) / RATE_HZ
    ang = np.radians(30.0) * np.maximum(0.0, np.sin(np.pi * t))
    rate = np.radians(30.0) * np.pi * np.cos(np.pi * t) * (np.sin(np.pi * t) > 0)
    g = 9.80665
    zeros = np.zeros(n)
    return np.column_stack([t, zeros, g * np.sin(ang), g * np.cos(ang), rate, zeros, zeros])


@st.composite
def garbled(draw: st.DrawFn) -> np.ndarray:
    rows = clean_rows(draw(st.integers(20, 400)))
    n = len(rows)
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["value", "reverse", "duplicate", "shift_back"]))
        a = draw(st.integers(0, n - 1))
        b = draw(st.integers(a, min(n, a + 100)))
        if op == "value":
            rows[a, draw(st.integers(0, 6))] = draw(st.sampled_from(GARBAGE))
        elif op == "reverse":
            rows[a:b, 0] = rows[a:b, 0][::-1].copy()
        elif op == "duplicate":
            rows = np.concatenate([rows[:b], rows[a:b], rows[b:]])
            n = len(rows)
        else:
            rows[a:, 0] -= draw(st.sampled_from([0.01, 0.5, 20.0, 1e6]))
    return rows


class Hung(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise Hung("counting one small file took over 20 s")


def count(path: Path, *extra: str) -> dict[str, Any] | None:
    """count_file on ``path``: its result, or None after an EccentricError (anything
    else escapes and fails the test, and so does a file that never finishes)."""
    args = cli.build_parser().parse_args(["count", str(path), "--acc-unit", "m/s2",
                                          "--gyro-unit", "rad/s", *extra])
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(20)
    try:
        result = count_file(str(path), args)
    except EccentricError as exc:
        assert str(exc) and "\n" not in str(exc)
        event(f"refused: {type(exc).__name__}")
        return None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    event("counted, some dropped" if result["samples_dropped"] else "counted, none dropped")
    return result


def assert_accounted(result: dict[str, Any], rows: int | None = None) -> None:
    accepted, dropped = result["samples_accepted"], result["samples_dropped"]
    assert accepted + dropped == result["samples_read"]
    if rows is not None:
        assert result["samples_read"] == rows
    assert dropped == sum(result["dropped"].values())
    if dropped:
        assert result["warnings"], result["dropped"]


def write_csv(path: Path, rows: np.ndarray) -> None:
    lines = ["t,ax,ay,az,gx,gy,gz"] + [",".join(repr(float(v)) for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n")


# Each detector kind, and the exercises that learn a still start pose (their calibrators
# walk the stream clock).
EXERCISES = ["auto", "ball_leg_curl", "nordic_curl"]


@FUZZ
@given(rows=garbled(), exercise=st.sampled_from(EXERCISES))
def test_csv_numeric_garbage(rows: np.ndarray, exercise: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "g.csv"
        write_csv(p, rows)
        result = count(p, "--exercise", exercise)
    if result is not None:
        assert_accounted(result, rows=len(rows))


@FUZZ
@given(data=st.binary(max_size=3000), where=st.floats(0.0, 1.0), whole=st.booleans())
def test_csv_random_bytes(data: bytes, where: float, whole: bool) -> None:
    """Random bytes as the whole file, or spliced into a good one."""
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "b.csv"
        if whole:
            p.write_bytes(data)
        else:
            write_csv(p, clean_rows(300))
            good = p.read_bytes()
            at = int(where * len(good))
            p.write_bytes(good[:at] + data + good[at:])
        result = count(p, "--rate", "50")
    if result is not None:
        assert_accounted(result)


def write_recording(path: Path, rows: np.ndarray) -> None:
    header = RecordingHeader(sensor="polar_verity_sense", placement="shank",
                             rate_hz=RATE_HZ, exercise="auto")
    with RecordingWriter(path, header) as w, np.errstate(over="ignore"):  # 1e300 → f4 inf
        for a in range(0, len(rows), 25):  # one line per 0.5 s, in file order as given
            part = rows[a:a + 25]
            w.write_chunk(ImuChunk(part[:, 0].copy(), part[:, 1:4].copy(),
                                   part[:, 4:7].copy()))


@FUZZ
@given(rows=garbled(), flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(1, 255)),
                                      max_size=20), compressed=st.booleans(),
       exercise=st.sampled_from(EXERCISES))
def test_recording_garbage_and_flipped_bytes(rows: np.ndarray, flips: list[tuple[float, int]],
                                              compressed: bool, exercise: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / ("r.jsonl.gz" if compressed else "r.jsonl")
        try:
            write_recording(p, rows)
        except EccentricError:
            return  # the writer's own chunks refuse what no recording can hold
        data = bytearray(p.read_bytes())
        for where, mask in flips:
            data[min(int(where * len(data)), len(data) - 1)] ^= mask
        p.write_bytes(bytes(data))
        result = count(p, "--exercise", exercise)
    if result is not None:
        assert_accounted(result, rows=None if flips else len(rows))
