"""The generic (config-file) driver: a DIY band described in TOML, no code."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eccentric.ble.assemble import Assembler
from eccentric.core.chunk import ImuChunk
from eccentric.core.errors import EccentricError
from eccentric.devices.base import GattWrite
from eccentric.devices.generic import driver as generic
from eccentric.devices.generic import encoder as enc

CONFIG = tomllib.loads("""
name = "diy_band"
match_names = ["DIY-IMU"]
service = "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
notify = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"
write = "6e400002-b5a3-f393-e0a9-e50e24dcca9e"
start = ["01"]
stop = ["00"]
rate_hz = 100

[packet]
prefix = "A5"
header = "<H"
header_fields = ["counter"]
sample = "<6h"
sample_fields = ["ax", "ay", "az", "gx", "gy", "gz"]
samples = 4

[scale]
acc = 0.000244140625
acc_unit = "g"
gyro = 0.06103515625
gyro_unit = "dps"
""")


def test_decodes_a_packet_by_the_config() -> None:
    d = generic.Generic({"config": CONFIG})
    assert [op.data for op in d.start() if isinstance(op, GattWrite)] == [b"\x01"]
    body = b"\xa5" + (7).to_bytes(2, "little") + np.array(
        [[4096, 0, 0, 0, 0, 16]] * 4, dtype="<i2").tobytes()
    [f] = d.decode(CONFIG["notify"], body)
    assert f.counter == 7 and len(f) == 4
    np.testing.assert_allclose(f.values[0], [9.80665, 0, 0, 0, 0, np.radians(16 * 0.06103515625)])
    assert d.decode(CONFIG["notify"], body[:-1]) == []
    assert d.decode(CONFIG["notify"], b"\x00" + body[1:]) == []
    assert d.stats.malformed == 2


def test_counter_gaps_and_wrap_through_the_timeline() -> None:
    """A 16-bit counter wraps at 65536: no false gap; a skipped packet is one gap."""
    n = 24
    t = (65536 - 8 + np.arange(n)) / 100.0
    chunk = ImuChunk(t, np.zeros((n, 3)), np.zeros((n, 3)))
    packets = enc.encode(chunk, CONFIG, 100.0)
    d = generic.Generic({"config": CONFIG})
    a = Assembler(d)
    got = [a.notification(p.char, p.data, 1.0 + i * 0.04) for i, p in enumerate(packets)
           if i != 3]  # packet 3 lost
    times = np.concatenate([c.t_s for c in got if c is not None])
    stats = a.timeline_stats()
    assert stats.gaps == 1 and stats.missing == 4 and stats.samples == n - 4
    np.testing.assert_allclose(np.diff(times)[np.diff(times) > 0.015], [0.05])


def test_config_errors_are_clear() -> None:
    bad = dict(CONFIG, packet=dict(CONFIG["packet"], sample_fields=["ax", "ay", "az"]))
    with pytest.raises(EccentricError, match="3 field names"):
        generic.Generic({"config": bad})
    bad = dict(CONFIG, packet=dict(CONFIG["packet"], sample="6h"))
    with pytest.raises(EccentricError, match="byte order"):
        generic.Generic({"config": bad})
    with pytest.raises(EccentricError, match="missing"):
        generic.Generic({})
    spec = generic.spec_for(CONFIG)
    assert spec.matches("DIY-IMU 42", []) and not spec.matches("Polar Sense", [])


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_fuzz(data: bytes) -> None:
    d = generic.Generic({"config": CONFIG})
    for chunk in (data, b"\xa5" + data):
        for f in d.decode(CONFIG["notify"], chunk):
            assert f.values.shape == (4, 6)
