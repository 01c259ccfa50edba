"""Movesense GSP and WitMotion decoders.

No public hex capture exists for either (ble_protocols.md §2.5, §5): the vectors below
are the note's [synthetic] packets built from the documented layouts (Movesense
imu.yaml / acc.yaml; WitMotion datasheet p.13), plus the command bytes the official
sources print (Movesense bleak example; WitMotion iOS example).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eccentric.core.chunk import ImuChunk
from eccentric.devices.base import DeviceError, GattWrite, Reply
from eccentric.devices.movesense import driver as ms
from eccentric.devices.movesense import encoder as ms_enc
from eccentric.devices.witmotion import driver as wit
from eccentric.devices.witmotion import encoder as wit_enc

G = 9.80665


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def test_movesense_synthetic_imu6_update() -> None:
    """§2.5: one IMU6 sample, ts 1000 ms, acc (0, 0, 9.81) m/s², gyro (0.5, 0, −1) °/s."""
    d = ms.Movesense({})
    [f] = d.decode(ms.DATA, h("02 63 E8 03 00 00 00 00 00 00 00 00 00 00 C3 F5 1C 41 00 00 "
                              "00 3F 00 00 00 00 00 00 80 BF"))
    assert f.stamp_ns == 1000 * 1_000_000 and f.stamp_index == 0
    np.testing.assert_allclose(f.values[0, :3], [0, 0, 9.81], rtol=1e-6)
    np.testing.assert_allclose(np.degrees(f.values[0, 3:]), [0.5, 0, -1.0], rtol=1e-6)


def test_movesense_commands_and_results() -> None:
    d = ms.Movesense({"rate": 104})
    [sub] = d.start()
    assert isinstance(sub, GattWrite)
    # Same shape as the official example's 01 63 "/Meas/Acc/13".
    assert sub.data == bytes([1, 0x63]) + b"/Meas/IMU6/104"
    [unsub] = d.stop()
    assert isinstance(unsub, GattWrite) and unsub.data == h("02 63")
    assert d.on_reply(sub, h("02 63 00 00")) is Reply.PENDING  # data, not the result
    assert d.on_reply(sub, h("01 63 C8 00")) is Reply.DONE  # 200
    with pytest.raises(DeviceError, match=r"507.*slot"):
        d.on_reply(sub, h("01 63 FB 01"))


def test_movesense_split_update_is_joined() -> None:
    """An 8-sample update (198 B) split at a 161-byte MTU: DATA + DATA_PART2."""
    rng = np.random.default_rng(2)
    chunk = ImuChunk(np.arange(16) / 104.0, rng.normal(0, 5, (16, 3)),
                     rng.normal(0, 1, (16, 3)))
    packets = ms_enc.encode(chunk, rate_hz=104.0)
    assert [p.data[0] for p in packets] == [2, 3, 2, 3]
    d = ms.Movesense({})
    frames = [f for p in packets for f in d.decode(p.char, p.data)]
    got = np.concatenate([f.values for f in frames])
    np.testing.assert_allclose(got[:, :3], chunk.acc_mps2, rtol=1e-6)
    np.testing.assert_allclose(got[:, 3:], chunk.gyro_rads, rtol=1e-6, atol=1e-7)
    assert d.stats.malformed == 0
    # A lost second part: the first is dropped (counted), the next update still decodes.
    d2 = ms.Movesense({})
    assert d2.decode(ms.DATA, packets[0].data) == []
    assert len(d2.decode(ms.DATA, packets[2].data)) == 0  # new first part pending
    assert d2.stats.malformed == 1
    assert len(d2.decode(ms.DATA, packets[3].data)[0]) == 8


def test_witmotion_synthetic_packet_and_rate_command() -> None:
    """W2 (§5): acc (0, 0, 1) g, gyro 0; the rate write for 50 Hz is FF AA 03 08 00."""
    d = wit.WitMotion({})
    [f] = d.decode(wit.NOTIFY, h("55 61 00 00 00 00 00 08 00 00 00 00 00 00 00 00 00 00 "
                                 "00 40"))
    np.testing.assert_allclose(f.values, [[0, 0, G, 0, 0, 0]], atol=1e-12)
    ops = wit.WitMotion({"rate": 50}).configure()
    assert [op.data for op in ops if isinstance(op, GattWrite)] == [
        h("FF AA 69 88 B5"), h("FF AA 03 08 00")]
    # W1: a register-read answer (magnetometer) is not sensor data.
    assert d.decode(wit.NOTIFY, h("55 71 3A 00 68 01 69 00 7A 00 00 00 00 00 00 00 00 00 "
                                  "00 00")) == []
    assert d.stats.ignored == 1 and d.stats.malformed == 0


def test_witmotion_resynchronises_on_the_header() -> None:
    d = wit.WitMotion({})
    pkt = h("55 61 00 00 00 00 00 08 00 00 00 00 00 00 00 00 00 00 00 40")
    [f] = d.decode(wit.NOTIFY, b"\x13\x37" + pkt + pkt + pkt[:7])
    assert len(f) == 2
    assert d.stats.malformed == 1  # the stray bytes, counted once
    chunk = ImuChunk(np.arange(3) / 100.0, np.full((3, 3), 2.0), np.full((3, 3), 0.5))
    frames = [g for p in wit_enc.encode(chunk) for g in d.decode(p.char, p.data)]
    np.testing.assert_allclose(np.concatenate([g.values for g in frames])[:, :3], 2.0,
                               atol=16 / 32768 * G)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_fuzz_movesense(data: bytes) -> None:
    d = ms.Movesense({})
    for chunk in (data, data[:1] + b"\x63" + data[2:], b"\x03\x63" + data):
        for f in d.decode(ms.DATA, chunk):
            assert f.values.shape[1] == 6 and np.isfinite(f.values).all()


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_fuzz_witmotion(data: bytes) -> None:
    d = wit.WitMotion({})
    for chunk in (data, b"\x55\x61" + data):
        for f in d.decode(wit.NOTIFY, chunk):
            assert f.values.shape[1] == 6 and np.isfinite(f.values).all()
    assert d.stats.packets == 2
