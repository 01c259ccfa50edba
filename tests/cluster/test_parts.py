"""The cluster's pure parts: partitions, ids, the spool, the imu message (no broker)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from eccentric.cluster.gateway import recording_stream
from eccentric.cluster.spool import Spool
from eccentric.cluster.subjects import (
    event_msg_id,
    imu_subject,
    partition_of,
    stream_id,
    token,
)
from eccentric.cluster.worker import stream_config
from eccentric.core.chunk import ImuChunk
from eccentric.core.errors import InputFormatError
from eccentric.mqtt.payloads import encode, imu_chunk, imu_payload
from eccentric.schemas import validator
from eccentric.session.pipeline import run
from tests.cluster.harness import RECORDINGS


def test_partitions_are_stable_and_spread() -> None:
    names = [f"a{i:03d}" for i in range(100)]
    parts = [partition_of(n, 12) for n in names]
    assert parts == [partition_of(n, 12) for n in names]
    assert len(set(parts)) == 12
    assert max(parts.count(p) for p in range(12)) <= 16  # no partition takes a crowd
    assert imu_subject("anna b.", 12).endswith(".anna_b_")
    assert token("a.b*c>") == "a_b_c_"


def test_spool_keeps_order_across_a_restart(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.sqlite")
    for i in range(5):
        spool.add("imu.1.a", f"s:{i}", {"h": str(i)}, f"body{i}".encode())
    spool.commit()
    spool.remove_through(spool.oldest(2)[-1].row)
    spool.close()
    again = Spool(tmp_path / "s.sqlite")
    rows = again.oldest(10)
    assert [r.msg_id for r in rows] == ["s:2", "s:3", "s:4"]
    assert rows[0].headers == {"h": "2"} and rows[0].body == b"body2"
    assert len(again) == 3


def test_imu_message_round_trip_matches_the_schema() -> None:
    t = np.arange(10) / 100.0
    chunk = ImuChunk.from_arrays(t, np.tile([0.0, 0.0, 9.81], (10, 1)), np.zeros((10, 3)))
    payload = imu_payload(chunk, athlete="anna", sensor="mw", seq=3, gap=False,
                          stream={"id": "anna-x", "session": "s", "exercise": "nordic_curl",
                                  "rate_hz": 100.0, "side": None, "target_tempo": None})
    validator("imu.schema.json").validate(json.loads(encode(payload)))
    back = imu_chunk(json.loads(encode(payload)))
    assert np.allclose(back.t_s, chunk.t_s) and np.allclose(back.acc_mps2, chunk.acc_mps2)


@pytest.mark.parametrize("bad", [{"type": "rep"}, {"type": "imu", "samples_t_s": [0.0]},
                                 {"type": "imu", "samples_t_s": [0.0], "acc_mps2": [[1, 2]],
                                  "gyro_rads": [[0, 0, 0]]}])
def test_a_bad_imu_message_is_a_clear_error(bad: dict[str, object]) -> None:
    with pytest.raises(InputFormatError, match=r"^cluster imu"):
        imu_chunk(bad, "cluster imu message")


def test_event_ids_depend_on_the_stream_not_on_the_process() -> None:
    path = RECORDINGS / "nordic_thigh_polar104.jsonl.gz"
    ids = []
    for _ in range(2):
        s = recording_stream(path, "anna")
        s.stream_id = stream_id("anna", "r1")
        ids.append([event_msg_id("anna", s.stream_id, ev)
                    for ev in run(s.chunks, stream_config("anna", s.descriptor()))])
    assert ids[0] == ids[1] and len(set(ids[0])) == len(ids[0])
    assert not any(i.endswith(":None") for i in ids[0])
    assert any(i.startswith("nordic_thigh_polar104@anna-r1:1:") for i in ids[0])
