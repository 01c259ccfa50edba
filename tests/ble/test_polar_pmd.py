"""Polar PMD decoder against Polar's published test vectors (firmware_notes/polar_pmd.md).

Vector ids (P1…P7) are those of ble_protocols.md §1.9; bytes come from Polar's online
measurement PDF (Fig. 3), the SDK unit tests AccDataTest.kt / GyrDataTest.kt, and
polar-ble-sdk issue #331.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eccentric.devices.base import DeviceError, GattWrite, Reply
from eccentric.devices.polar_pmd import driver as pmd

G = 9.80665


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def verity(factor_acc: float | None = None) -> pmd.PolarPmd:
    d = pmd.PolarPmd({"model": "verity"})
    if factor_acc is not None:
        d._factor[pmd.MEAS_ACC] = factor_acc
    return d


# P3: AccDataTest.kt "process acc compressed data type 0" — the full 218-byte content.
P3_CONTENT = h(
    "71 07 F0 6A 9E 8D 0A 38 BE 5C BE BA 2F 96 B3 EE 4B E5 AD FB 42 B9 EB BE 4C FE BA 2F "
    "92 BF EE 4B E4 B1 FB 12 B9 EC BD 3C 3E BB 2F 8F D3 DE 4B E3 B5 F7 D2 B8 ED BD 30 7E "
    "7B 2F 8B E3 CE 8B E2 BA F7 A2 B8 EE BC 20 BE 7B 2F 88 F3 CE CB E1 BD EF 52 F8 EF BC "
    "18 FE 3B 2F 84 03 BF CB E0 C2 EF 32 B8 F0 BB 04 4E BC 2E 81 13 AF 0B E0 C6 EF F2 F7 "
    "F1 B9 FC 7D BC 2E 7D 27 9F 4B DF CA EB C2 F7 F2 B8 EC CD 7C 2E 7B 37 8F 4B DE CE E3 "
    "92 F7 F3 B8 E0 0D FD 2D 77 4B 7F CB DD D2 DF 62 37 F5 B7 D4 4D BD 2D 74 5B 6F CB DC "
    "D7 D7 32 37 F6 B5 C8 8D 7D 2D 71 6B 4F 4B DC DC D3 F2 36 F7 B4 BC DD FD 2C 6F 7B 3F "
    "4B DB E0 CF D2 36 F8 B2 B0 2D BE 2C 6C 8F 1F CB DA E3 C7 A2 76 F9")
TS_2E9 = h("00 94 35 77 00 00 00 00")  # 2 000 000 000 ns, little-endian


def test_p1_h10_raw_acc_frame() -> None:
    """P1 (online PDF Fig. 3): raw int16 ACC in mG; the PDF prints −184 for 0xFF45 (−187)."""
    frame = h("02 EA 54 A2 42 8B 45 52 08 01 45 FF E4 FF B5 03 45 FF E4 FF B8 03")
    d = pmd.PolarPmd({"model": "h10"})
    [out] = d.decode(pmd.PMD_DATA, frame)
    assert out.stream == "acc"
    assert out.stamp_ns == 599_618_164_814_402_794
    assert out.stamp_index == 1  # the stamp belongs to the last sample
    np.testing.assert_allclose(out.values / G * 1000, [[-187, -28, 949], [-187, -28, 952]])


def test_p2_verity_delta_block_8bit() -> None:
    """P2 (PDF Fig. 3 / old spec p.6): reference and first deltas of a Verity frame.

    The published frame is cut off mid-block, so the complete decoder must reject it;
    the unpacker alone reproduces the stated samples from the bytes that are given.
    """
    frame = h("02 64 6C 76 C4 3C C6 7F 07 80 D0 FF 65 01 E4 0F 08 1D FC 07 FF 0C 13 F2 11 "
              "F1 1A F9 EE F8 EF 0C 03 09 F2")
    parsed = pmd.parse_frame(frame)
    assert parsed.timestamp_ns == 540_368_444_604_181_604
    assert parsed.compressed and parsed.frame_type == 0
    ref = pmd.decode_raw(parsed.content[:6], 2, 3)
    assert ref.tolist() == [[-48, 357, 4068]]
    bits, count = parsed.content[6], parsed.content[7]
    assert (bits, count) == (8, 29)
    deltas = pmd.unpack_deltas(parsed.content[8:], bits, 3, 5)
    samples = ref + np.cumsum(deltas, axis=0)
    assert samples.tolist() == [[-52, 364, 4067], [-40, 383, 4053], [-23, 368, 4079],
                                [-30, 350, 4071], [-47, 362, 4074]]
    d = verity(factor_acc=0.000244)
    assert d.decode(pmd.PMD_DATA, frame) == []
    assert d.stats.malformed == 1


def test_p3_ten_bit_deltas_are_lsb_first() -> None:
    """P3 (AccDataTest.kt): 10-bit deltas, 57 samples; MSB-first would give (1642, …)."""
    d = verity(factor_acc=2.44e-4)
    [out] = d.decode(pmd.PMD_DATA, b"\x02" + TS_2E9 + b"\x80" + P3_CONTENT)
    assert len(out) == 57
    assert out.stamp_ns == 2_000_000_000
    counts = pmd.decode_compressed(P3_CONTENT, 3, 16)
    assert counts[0].tolist() == [1905, 27376, -29282]
    assert counts[1].tolist() == [2095, 27271, -29367]
    mg = out.values / G * 1000
    # The SDK's asserted values: int(raw × factor × 1000) mG; all within ±8 g.
    np.testing.assert_allclose(mg[1], [2095 * 0.244, 27271 * 0.244, -29367 * 0.244],
                               rtol=1e-6)
    assert np.all(np.abs(mg) <= 8000)


def test_p4_compressed_type1_in_mg() -> None:
    """P4 (AccDataTest.kt 'compressed data type 1'): factor 1.0, values in mG."""
    frame = h("02 65 00 00 00 00 00 00 00 81 F1 FF 14 00 F0 03 06 01 7B 0F 08")
    [out] = verity().decode(pmd.PMD_DATA, frame)
    np.testing.assert_allclose(out.values / G * 1000, [[-15, 20, 1008], [-20, 17, 1008]])


def test_p5_gyro_three_bit_deltas() -> None:
    """P5 (GyrDataTest.kt): 3-bit deltas, deg/s with factor 1.0."""
    frame = h("05 FF FF FF FF FF FF FF 7F 80 EA FF 08 00 0D 00 03 01 DF 00")
    [out] = verity().decode(pmd.PMD_DATA, frame)
    assert out.stream == "gyro"
    np.testing.assert_allclose(np.degrees(out.values), [[-22, 8, 13], [-23, 11, 16]])


def test_p6_raw_type1_full_frame() -> None:
    """P6 (AccDataTest.kt 'raw data frame type 1'): 39 samples, stamp on the last."""
    content = h(
        "F7 FF FF FF E7 03 F8 FF FE FF E5 03 F9 FF FF FF E5 03 FA FF FF FF E6 03 FA FF FE FF "
        "E6 03 F9 FF FF FF E5 03 F8 FF FF FF E6 03 F8 FF FE FF E6 03 FA FF FF FF E5 03 FA FF "
        "FF FF E7 03 FA FF FF FF E5 03 F8 FF FF FF E6 03 F7 FF FF FF E6 03 F8 FF FE FF E6 03 "
        "F9 FF FE FF E7 03 F9 FF 00 00 E6 03 F9 FF FF FF E6 03 F7 FF FE FF E5 03 F9 FF FF FF "
        "E5 03 F9 FF FF FF E5 03 FA FF 00 00 E6 03 F9 FF FE FF E6 03 F8 FF FF FF E6 03 F8 FF "
        "FF FF E5 03 F9 FF FF FF E6 03 F9 FF FF FF E5 03 FA FF FF FF E6 03 F9 FF FF FF E5 03 "
        "F9 FF FF FF E5 03 F8 FF FE FF E6 03 F9 FF FF FF E6 03 F9 FF FF FF E6 03 F9 FF 00 00 "
        "E5 03 F9 FF FE FF E6 03 F8 FF FE FF E6 03 F7 FF FE FF E6 03")
    [out] = verity().decode(pmd.PMD_DATA, b"\x02" + TS_2E9 + b"\x01" + content)
    assert len(out) == len(content) // 6
    assert out.stamp_ns == 2_000_000_000 and out.stamp_index == len(out) - 1
    np.testing.assert_allclose(out.values[:2] / G * 1000, [[-9, -1, 999], [-8, -2, 997]])


def test_p7_real_verity_six_bit_deltas() -> None:
    """P7 (issue #331, a Verity at rest, frame 0x81): the frame is cut off in the issue,
    so check the reference and first deltas with the unpacker."""
    frame = h("02 9C 58 29 13 84 57 73 07 81 FA FF 21 00 F4 03 06 3B 83 D0 EB C6 F1 EF 3A")
    parsed = pmd.parse_frame(frame)
    ref = pmd.decode_raw(parsed.content[:6], 2, 3)
    assert ref.tolist() == [[-6, 33, 1012]]
    assert (parsed.content[6], parsed.content[7]) == (6, 59)
    # Seven delta bytes survive in the issue: three whole 18-bit samples.
    samples = ref + np.cumsum(pmd.unpack_deltas(parsed.content[8:], 6, 3, 3), axis=0)
    assert samples.tolist() == [[-3, 35, 1009], [-9, 41, 1016], [-10, 36, 1010]]


def test_factor_comes_from_the_start_response() -> None:
    """Online PDF Fig. 3: Verity start → F0 02 02 00 00 05 01 40 DA 7F 39 (0.000244)."""
    d = verity()
    d.decode(pmd.PMD_CP, h("F0 02 02 00 00 05 01 40 DA 7F 39"))
    assert d.factor(pmd.MEAS_ACC) == pytest.approx(0.000244, rel=1e-6)
    d.decode(pmd.PMD_CP, h("F0 02 05 00 00"))  # newer firmware: no FACTOR → 1.0
    assert d.factor(pmd.MEAS_GYRO) == 1.0


def test_command_bytes_match_the_published_sequences() -> None:
    """Verity start ACC (PDF Fig. 3) and stop ACC (Fig. 4), byte for byte."""
    d = verity()
    start_acc = d.start()[0]
    assert isinstance(start_acc, GattWrite)
    assert start_acc.data == h("02 02 00 01 34 00 01 01 10 00 02 01 08 00 04 01 03")
    stop_acc = d.stop()[0]
    assert isinstance(stop_acc, GattWrite) and stop_acc.data == h("03 02")
    h10 = pmd.PolarPmd({"model": "h10", "rate": 200})
    start = h10.start()[0]
    assert isinstance(start, GattWrite)
    # Same settings as PDF Fig. 3 (±8 g, 200 Hz, 16 bit), in our TLV order.
    assert pmd.parse_settings(start.data[2:]) == pmd.parse_settings(
        h("02 01 08 00 00 01 C8 00 01 01 10 00"))


def test_settings_query_checks_the_rate() -> None:
    """H10 settings answer (PDF Fig. 2): 25/50/100/200 Hz, 16 bit, ±2/4/8 g."""
    answer = h("F0 01 02 00 00 00 04 19 00 32 00 64 00 C8 00 01 01 10 00 02 03 02 00 04 "
               "00 08 00")
    offered = pmd.parse_settings(pmd.parse_cp_response(answer).params)  # type: ignore[union-attr]
    assert offered[pmd.SETTING_SAMPLE_RATE] == [25, 50, 100, 200]
    assert offered[pmd.SETTING_RANGE] == [2, 4, 8]
    ok = pmd.PolarPmd({"model": "h10", "rate": 100})
    query = ok.configure()[1]
    assert isinstance(query, GattWrite)
    assert ok.on_reply(query, answer) is Reply.DONE
    bad = pmd.PolarPmd({"model": "h10", "rate": 52})
    with pytest.raises(DeviceError, match="52 Hz is not offered"):
        bad.on_reply(query, answer)


def test_error_codes_and_already_in_state_recovery() -> None:
    d = verity()
    start = d.start()[0]
    assert isinstance(start, GattWrite)
    assert d.on_reply(start, h("F0 01 02 00 00")) is Reply.PENDING  # another op's answer
    again = d.on_reply(start, h("F0 02 02 06"))
    assert isinstance(again, list) and [op.data for op in again] == [  # type: ignore[union-attr]
        h("03 02"), start.data]
    with pytest.raises(DeviceError, match="ALREADY_IN_STATE"):
        d.on_reply(start, h("F0 02 02 06"))
    with pytest.raises(DeviceError, match=r"INVALID_MTU \(10\).*232"):
        verity().on_reply(start, h("F0 02 02 0A"))


def test_feature_read_refuses_a_device_without_gyro() -> None:
    d = verity()
    read = d.configure()[0]
    d.on_read(read, h("0F 6E 00"))  # Verity Sense (PDF Fig. 1)
    with pytest.raises(DeviceError, match="GYRO"):
        d.on_read(read, h("0F 05 00"))  # H10 (issue #360): ECG + ACC


# ----------------------------------------------------------------- fuzzing


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=600))
def test_fuzz_arbitrary_bytes_never_crash(data: bytes) -> None:
    d = verity(factor_acc=0.000244)
    for char in (pmd.PMD_DATA, pmd.PMD_CP):
        for frame in d.decode(char, data):
            assert np.isfinite(frame.values).all()
            assert frame.values.shape[1] == 3
    assert d.stats.packets == 2
    assert d.stats.malformed + d.stats.ignored + (d.stats.samples > 0) >= 1


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 16), st.lists(st.tuples(st.integers(-2000, 2000),
                                              st.integers(-2000, 2000),
                                              st.integers(-2000, 2000)),
                                    min_size=1, max_size=40),
       st.integers(1, 40))
def test_fuzz_truncated_valid_frames_are_counted(block: int,
                                                 samples: list[tuple[int, int, int]],
                                                 cut: int) -> None:
    """A well-formed frame decodes exactly; cut short, it is rejected (counted) or, when
    the cut falls on a block boundary, it yields a prefix of the samples — never junk."""
    from eccentric.devices.polar_pmd.encoder import compress

    ints = np.asarray(samples, dtype=np.int64)
    frame = b"\x02" + (10**9).to_bytes(8, "little") + b"\x80" + compress(ints, block)
    d = verity(factor_acc=1.0)
    [out] = d.decode(pmd.PMD_DATA, frame)
    np.testing.assert_allclose(out.values / G, ints, rtol=1e-12)
    before = d.stats.malformed
    got = d.decode(pmd.PMD_DATA, frame[:max(len(frame) - cut, 0)])
    if got:
        n = len(got[0])
        assert n < len(ints)
        np.testing.assert_allclose(got[0].values / G, ints[:n], rtol=1e-12)
    else:
        assert d.stats.malformed == before + 1


def test_oversized_and_short_packets_are_counted() -> None:
    d = verity()
    assert d.decode(pmd.PMD_DATA, bytes(700)) == []
    assert d.decode(pmd.PMD_DATA, b"\x02\x00") == []
    assert d.decode(pmd.PMD_DATA, b"\x02" + TS_2E9 + b"\x01" + b"\x00" * 7) == []
    assert d.stats.malformed == 3
    assert math.isclose(d.factor(pmd.MEAS_GYRO), 1.0)
