"""MetaWear decoder and commands against MbientLab's SDK test vectors (M1…M7 of
ble_protocols.md §3.6: MetaWear-SDK-Cpp test_accelerometer_bmi160.py,
test_accelerometer_bmi270.py, test_gyro_bmi160.py; node-metawear issue #46)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eccentric.core.errors import EccentricError
from eccentric.devices.base import GattWrite
from eccentric.devices.metawear import driver as mw
from eccentric.devices.metawear import encoder as enc

G = 9.80665


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def one(driver: mw.MetaWear, data: bytes) -> np.ndarray:
    [frame] = driver.decode(mw.NOTIFY, data)
    return frame.values


@pytest.mark.parametrize(("chip", "acc_range", "data", "expected"), [
    ("bmi160", 4, "03 04 16 C4 94 A2 2A D0", [[-1.872, -2.919, -1.495]]),  # M1
    ("bmi160", 8, "03 1C 62 B7 53 0D E9 FD 16 D0 4D 0E 57 02 8A FF A1 05 0A 01",  # M2
     [[-4.539, 0.833, -0.131], [-2.995, 0.894, 0.146], [-0.029, 0.352, 0.065]]),
    ("bmi270", 8, "03 05 62 B7 53 0D E9 FD 16 D0 4D 0E 57 02 8A FF A1 05 0A 01",  # M3
     [[-4.539, 0.833, -0.131], [-2.995, 0.894, 0.146], [-0.029, 0.352, 0.065]]),
    ("bmi160", 2, "03 04 E8 05 9C FE 73 42",  # M7: a real MetaMotion R at rest
     [[0.09228515625, -0.021728515625, 1.03826904296875]]),
])
def test_accelerometer_vectors(chip: str, acc_range: int, data: str,
                               expected: list[list[float]]) -> None:
    d = mw.MetaWear({"chip": chip, "acc_range": acc_range})
    g = one(d, h(data)) / G
    np.testing.assert_allclose(g, expected, atol=5e-4)  # the SDK tests compare to 3 dp


@pytest.mark.parametrize(("gyro_range", "data", "expected"), [
    (500, "13 05 3E 43 FF 7F 00 80", [[262.409, 499.497, -499.512]]),  # M4
    (1000, "13 07 09 15 AD 26 08 DE 8A 1A 0D 26 65 E4 8D 20 AC 27 73 EC",  # M5
     [[164.177, 301.860, -265.122], [207.134, 296.982, -215.457],
      [254.055, 309.634, -152.591]]),
])
def test_gyro_vectors(gyro_range: int, data: str, expected: list[list[float]]) -> None:
    d = mw.MetaWear({"gyro_range": gyro_range})
    np.testing.assert_allclose(np.degrees(one(d, h(data))), expected, atol=5e-4)


def test_config_and_start_bytes() -> None:
    """Config bytes from the SDK tests; the unpacked start order of node-metawear #46."""
    d = mw.MetaWear({"rate": 100, "acc_range": 2, "gyro_range": 250})
    cfg = [op.data for op in d.configure() if isinstance(op, GattWrite)]
    assert cfg == [h("03 03 28 03"), h("13 03 28 03")]
    d = mw.MetaWear({"rate": 200, "acc_range": 8, "gyro_range": 125})
    assert next(op.data for op in d.configure() if isinstance(op, GattWrite)) == h("03 03 29 08")
    d = mw.MetaWear({"chip": "bmi270", "rate": 200, "acc_range": 8})
    assert next(op.data for op in d.configure() if isinstance(op, GattWrite)) == h("03 03 A9 02")
    d = mw.MetaWear({"rate": 50, "acc_range": 2, "packed": "false"})
    start = [op.data for op in d.start() if isinstance(op, GattWrite)]
    assert [s for s in start if s[0] == 0x03] == [h("03 04 01"), h("03 02 01 00"),
                                                  h("03 01 01")]
    assert all(not op.response for op in d.start() if isinstance(op, GattWrite))
    stop = [op.data for op in d.stop() if isinstance(op, GattWrite)]
    assert h("03 01 00") in stop and h("13 01 00") in stop


def test_bad_options_are_clear() -> None:
    with pytest.raises(EccentricError, match="rate"):
        mw.MetaWear({"rate": 99})
    with pytest.raises(EccentricError, match="chip"):
        mw.MetaWear({"chip": "bmi999"})


def test_encoder_round_trip() -> None:
    """Our simulator's packets decode back to the same counts (both chips)."""
    from eccentric.core.chunk import ImuChunk

    rng = np.random.default_rng(1)
    n = 10
    acc = rng.integers(-30000, 30000, (n, 3)) / 4096 * G
    gyro = np.radians(rng.integers(-30000, 30000, (n, 3)) / 32.8)
    chunk = ImuChunk(np.arange(n) / 100.0, acc, gyro)
    for chip in ("bmi160", "bmi270"):
        d = mw.MetaWear({"chip": chip, "acc_range": 8, "gyro_range": 1000})
        packets = enc.encode(chunk, acc_lsb_g=1 / 4096, gyro_lsb_dps=1 / 32.8, rate_hz=100,
                             chip=chip)
        frames = [f for p in packets for f in d.decode(p.char, p.data)]
        got_acc = np.concatenate([f.values for f in frames if f.stream == "acc"])
        got_gyro = np.concatenate([f.values for f in frames if f.stream == "gyro"])
        np.testing.assert_allclose(got_acc, acc, rtol=1e-12)
        np.testing.assert_allclose(got_gyro, gyro, rtol=1e-12)
        assert d.stats.malformed == 0


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=600), st.sampled_from(["bmi160", "bmi270"]))
def test_fuzz_never_crashes(data: bytes, chip: str) -> None:
    d = mw.MetaWear({"chip": chip})
    frames = d.decode(mw.NOTIFY, data)
    for f in frames:
        assert f.values.shape in ((1, 3), (3, 3))
        assert np.isfinite(f.values).all()
    assert d.stats.packets == 1
    assert (d.stats.malformed + d.stats.ignored + len(frames)) == 1


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["031C", "1307", "0304", "1305"]), st.integers(0, 30))
def test_fuzz_wrong_lengths_are_counted(prefix: str, length: int) -> None:
    d = mw.MetaWear({})
    data = h(prefix) + bytes(length)
    frames = d.decode(mw.NOTIFY, data)
    expected = 18 if prefix in ("031C", "1307") else 6
    if length == expected:
        assert len(frames) == 1 and d.stats.malformed == 0
    else:
        assert frames == [] and d.stats.malformed == 1
