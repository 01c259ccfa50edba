import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from eccentric.core.chunk import ImuChunk
from eccentric.core.errors import InputFormatError
from eccentric.io.recording_format import RecordingHeader
from eccentric.io.recording_reader import RecordingReader, read_all
from eccentric.io.recording_writer import RecordingWriter


def sample_chunk(n: int = 250, rate: float = 100.0) -> ImuChunk:
    rng = np.random.default_rng(1)
    t = np.arange(n) / rate
    return ImuChunk.from_arrays(t, rng.normal(0, 1, (n, 3)) + np.array([0, 0, 9.8]),
                                rng.normal(0, 0.1, (n, 3)))


@pytest.mark.parametrize("name", ["r.jsonl", "r.jsonl.gz"])
def test_round_trip(tmp_path: Path, name: str) -> None:
    header = RecordingHeader(sensor="metamotion", placement="shank", rate_hz=100.0,
                             exercise="ball_leg_curl", athlete="ann", side="left")
    chunk = sample_chunk()
    with RecordingWriter(tmp_path / name, header) as w:
        w.write_chunk(chunk)
        w.write_label({"label": "rep", "set": 1, "start_s": 0.1, "end_s": 1.0})
    h, back = read_all(tmp_path / name)
    assert h == header
    np.testing.assert_allclose(back.t_s, chunk.t_s, atol=1e-6)
    np.testing.assert_allclose(back.acc_mps2, chunk.acc_mps2, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(back.gyro_rads, chunk.gyro_rads, rtol=1e-6, atol=1e-7)
    assert RecordingReader(tmp_path / name).labels()[0]["end_s"] == 1.0


def test_lines_hold_at_most_one_second(tmp_path: Path) -> None:
    header = RecordingHeader(sensor="x", placement="thigh", rate_hz=100.0)
    with RecordingWriter(tmp_path / "r.jsonl", header) as w:
        w.write_chunk(sample_chunk(1000))
    chunks = list(RecordingReader(tmp_path / "r.jsonl").chunks())
    assert len(chunks) == 10
    assert all(c.t_s[-1] - c.t_s[0] < 1.0 for c in chunks)


def test_crash_loses_at_most_the_last_second_gzip(tmp_path: Path) -> None:
    """Simulate a crash: the gzip stream is never closed, only sync-flushed."""
    header = RecordingHeader(sensor="x", placement="thigh", rate_hz=100.0)
    w = RecordingWriter(tmp_path / "r.jsonl.gz", header)
    w.write_chunk(sample_chunk(500))
    w._fh.flush()  # what the writer does after every line; no close()
    data = (tmp_path / "r.jsonl.gz").read_bytes()
    crashed = tmp_path / "crashed.jsonl.gz"
    crashed.write_bytes(data)  # no gzip trailer: as if the process died here
    reader = RecordingReader(crashed)
    n = sum(len(c) for c in reader.chunks())
    assert n == 500
    assert reader.stats.truncated_tail


def test_half_written_last_line_is_dropped(tmp_path: Path) -> None:
    header = RecordingHeader(sensor="x", placement="thigh", rate_hz=100.0)
    with RecordingWriter(tmp_path / "r.jsonl", header) as w:
        w.write_chunk(sample_chunk(300))
    text = (tmp_path / "r.jsonl").read_text()
    (tmp_path / "r.jsonl").write_text(text[: len(text) - 40])
    reader = RecordingReader(tmp_path / "r.jsonl")
    assert sum(len(c) for c in reader.chunks()) == 200
    assert reader.stats.truncated_tail


def test_not_a_recording(tmp_path: Path) -> None:
    p = tmp_path / "x.jsonl"
    p.write_text('{"kind":"imu"}\n')
    with pytest.raises(InputFormatError, match="line 1 is not an eccentric-recording header"):
        RecordingReader(p)


def test_corrupt_line_names_line(tmp_path: Path) -> None:
    header = RecordingHeader(sensor="x", placement="thigh", rate_hz=100.0)
    with RecordingWriter(tmp_path / "r.jsonl", header) as w:
        w.write_chunk(sample_chunk(100))
    with (tmp_path / "r.jsonl").open("a") as fh:
        fh.write('{"kind":"imu","t_s":[1,2],"acc_mps2":[1,2,3],"gyro_rads":[0,0,0,0,0,0]}\n')
    with pytest.raises(InputFormatError, match=r"r\.jsonl:3: acc_mps2 has shape"):
        list(RecordingReader(tmp_path / "r.jsonl").chunks())


def test_plain_number_arrays_are_accepted(tmp_path: Path) -> None:
    p = tmp_path / "hand.jsonl"
    header = RecordingHeader(sensor="x", placement="thigh", rate_hz=2.0).to_line()
    p.write_text(json.dumps(header) + "\n" + json.dumps(
        {"kind": "imu", "t_s": [0, 0.5], "acc_mps2": [0, 0, 9.8, 0, 0, 9.8],
         "gyro_rads": [0, 0, 0, 0, 0, 0.1]}) + "\n")
    _, c = read_all(p)
    assert c.gyro_rads[1, 2] == 0.1 and len(c) == 2


def test_bad_base64_is_reported(tmp_path: Path) -> None:
    p = tmp_path / "bad.jsonl"
    header = RecordingHeader(sensor="x", placement="thigh", rate_hz=2.0).to_line()
    p.write_text(json.dumps(header) + "\n" + json.dumps(
        {"kind": "imu", "enc": "b64le", "t_s": "!!", "acc_mps2": "", "gyro_rads": ""}) + "\n")
    with pytest.raises(InputFormatError, match=r"bad\.jsonl:2: imu arrays are malformed"):
        read_all(p)


def test_merged_chunks_hold_the_same_samples(tmp_path: Path) -> None:
    header = RecordingHeader(sensor="x", placement="thigh", rate_hz=100.0)
    with RecordingWriter(tmp_path / "r.jsonl.gz", header) as w:
        w.write_chunk(sample_chunk(1234))
    small = list(RecordingReader(tmp_path / "r.jsonl.gz").chunks())
    big = list(RecordingReader(tmp_path / "r.jsonl.gz").chunks(merge_s=5.0))
    assert len(big) == 3 and len(small) == 13
    np.testing.assert_array_equal(np.concatenate([c.t_s for c in big]),
                                  np.concatenate([c.t_s for c in small]))


def test_future_version_rejected(tmp_path: Path) -> None:
    p = tmp_path / "v9.jsonl.gz"
    with gzip.open(p, "wt") as fh:
        fh.write('{"kind":"header","format":"eccentric-recording","version":9}\n')
    with pytest.raises(InputFormatError, match="version 9 is not supported"):
        RecordingReader(p)
