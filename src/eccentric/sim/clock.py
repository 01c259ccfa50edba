"""The sensor's clock and the radio link: when samples are taken, stamped and lost.

* The device samples on its own oscillator, which runs off nominal by ``clock_error``
  (fraction; +1e-6 = 1 ppm fast). The file's ``t_s`` is that clock (device timestamps,
  or a count × nominal period for devices without them), so the true instant of sample
  k is (k / rate) / (1 + error). Ground-truth times are mapped onto the same axis.
* Sampling jitter: the true instant scatters around its stamp (MCU-polled devices).
* Timestamp resolution: Movesense stamps the first sample of a packet in whole ms and
  the rest are interpolated (ble_protocols.md §2.4).
* BLE loss: notifications are lost in bursts (ble_protocols.md §9, item 4: drops at high
  rates on several devices); a lost packet loses all its samples, leaving a gap in t_s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from eccentric.core.chunk import FloatArray

# Burst-loss settings: (bursts per minute, mean burst length in s). ASSUMED levels —
# no source gives loss statistics; "heavy" is meant to be a hard case.
DROPOUT_LEVELS: dict[str, tuple[float, float]] = {
    "none": (0.0, 0.0),
    "light": (0.5, 0.12),
    "heavy": (4.0, 0.7),
}


@dataclass(frozen=True)
class SampleClock:
    rate_hz: float
    clock_error: float
    t0_s: float = 0.0

    def file_time(self, true_s: float) -> float:
        """A true time (physics clock, s) on the recording's ``t_s`` axis."""
        return self.t0_s + true_s * (1.0 + self.clock_error)


@dataclass(frozen=True)
class Sampling:
    t_file_s: FloatArray  # what the recording says
    t_true_s: FloatArray  # when the sample was really taken (physics clock)


def sample_times(duration_true_s: float, clock: SampleClock, *, samples_per_packet: int,
                 jitter_sd_s: float, quantum_s: float, rng: np.random.Generator) -> Sampling:
    """All sample instants inside ``duration_true_s`` (minus a 50 ms margin at the end)."""
    n = math.floor((duration_true_s - 0.05) * clock.rate_hz * (1.0 + clock.clock_error))
    k = np.arange(n, dtype=np.float64)
    device_s = k / clock.rate_hz  # the device's own clock, starting at 0
    t_true = device_s / (1.0 + clock.clock_error)
    if jitter_sd_s > 0.0:
        jitter = rng.normal(0.0, jitter_sd_s, n)
        # Keep the true instants ordered and inside the grid.
        t_true = np.clip(t_true + np.clip(jitter, -0.3 / clock.rate_hz, 0.3 / clock.rate_hz),
                         0.0, duration_true_s)
    t_file = clock.t0_s + device_s
    if quantum_s > 0.0:
        # First sample of each packet stamped in whole quanta; the rest interpolated.
        first = (np.arange(n) // samples_per_packet) * samples_per_packet
        stamp = np.floor((clock.t0_s + device_s[first]) / quantum_s) * quantum_s
        t_file = stamp + (k - first) / clock.rate_hz
    return Sampling(t_file, t_true)


def packet_loss(n: int, rate_hz: float, samples_per_packet: int, level: str,
                rng: np.random.Generator) -> npt.NDArray[np.bool_]:
    """Mask of samples that arrive. Bursts start as a Poisson process; lengths are
    exponential (at least one packet). The first and last packets always arrive."""
    per_min, mean_s = DROPOUT_LEVELS[level]
    keep = np.ones(n, dtype=bool)
    if per_min <= 0.0 or n == 0:
        return keep
    duration = n / rate_hz
    offset = int(rng.integers(0, samples_per_packet))  # where packet boundaries fall
    packet = (np.arange(n) + offset) // samples_per_packet
    last_packet = int(packet[-1])
    t = 0.0
    while True:
        t += float(rng.exponential(60.0 / per_min))
        if t >= duration:
            break
        length = float(rng.exponential(mean_s))
        p0 = int(packet[min(int(t * rate_hz), n - 1)])
        p1 = int(packet[min(int((t + length) * rate_hz), n - 1)])
        lost = (packet >= max(p0, 1)) & (packet <= min(p1, last_packet - 1))
        keep &= ~lost
    return keep


def gaps(t_file_s: FloatArray, keep: npt.NDArray[np.bool_]) -> list[tuple[float, float, int]]:
    """(last sample before, first sample after, samples missing) for each lost run."""
    out: list[tuple[float, float, int]] = []
    lost = ~keep
    if not lost.any():
        return out
    edges = np.diff(np.concatenate(([0], lost.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    stops = np.flatnonzero(edges == -1)
    for a, b in zip(starts, stops, strict=True):
        if a == 0 or b >= len(keep):
            continue
        out.append((float(t_file_s[a - 1]), float(t_file_s[b]), int(b - a)))
    return out


def glitch_order(n: int, count: int, samples_per_packet: int,
                 rng: np.random.Generator) -> npt.NDArray[np.intp]:
    """Index order with ``count`` glitches: a re-delivered packet (duplicate samples)
    or two neighbouring packets swapped (out of order), alternately."""
    order = list(range(n))
    spp = samples_per_packet
    positions = np.sort(rng.choice(np.arange(2, max(n // spp - 3, 3)), size=count,
                                   replace=False)) if count else np.zeros(0, dtype=np.intp)
    # Apply from the end so earlier positions stay valid.
    for j, p in reversed(list(enumerate(positions))):
        a = int(p) * spp
        if j % 2 == 0:
            order[a + spp:a + spp] = order[a:a + spp]  # duplicate packet p
        else:
            order[a:a + 2 * spp] = order[a + spp:a + 2 * spp] + order[a:a + spp]
    return np.asarray(order, dtype=np.intp)
