"""Sample times for BLE streams: device clock, sample counter or arrival → ``t_s``.

Three kinds of device (``Driver.timing``):

* ``device``: a stamp on one sample per packet (Polar: ns on the last sample; Movesense:
  ms on the first). Spacing within a packet is the measured stamp difference over the
  sample count when the previous packet directly precedes it (Polar SDK practice), else
  the nominal period. Losses show as jumps in the stamps.
* ``counter``: a wrapping sample counter; t = count / nominal rate. Exact loss counts.
* ``arrival``: nothing (MetaWear, WitMotion). t = count / nominal rate, and arrival
  times only reveal losses: a packet later than the lowest arrival lag seen (allowed to
  creep up slowly, to follow a slow oscillator) by more than a threshold means samples
  were lost and the count jumps by the missing time.

Every kind reports gaps, duplicates (dropped), the packet-loss percentage and the drift
of the device's clock against the host's. All decisions use only the notification
stream and its recorded host times, so replaying a capture reproduces them exactly.
t = 0 is the first sample of the stream (shared by the streams of one device).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from eccentric.core.chunk import FloatArray
from eccentric.devices.base import Frame, Timing

GAP_PERIODS = 1.5  # a spacing above this many periods is a gap
DUPLICATE_PERIODS = 0.25  # a sample closer than this to the last one is a repeat
LAG_RISE = 0.02  # arrival floor may creep up 2 % of elapsed time (a slow oscillator)
ARRIVAL_GAP_MIN_S = 0.25  # a delivery stall shorter than this is never called a loss
RESET_BACK_S = 1.0  # device time jumping back this far: the device clock was reset
RESET_AHEAD_S = 3600.0  # … or jumping this far ahead
DRIFT_WINDOW_S = 5.0
DRIFT_WINDOWS = 24  # fit over the last 2 minutes


@dataclass
class TimelineStats:
    """Counts in samples; ``drift_ppm`` > 0 means the device clock runs fast."""

    samples: int = 0
    missing: int = 0
    duplicates: int = 0
    gaps: int = 0
    clock_resets: int = 0
    restarts: int = 0
    drift_ppm: float | None = None

    @property
    def loss_pct(self) -> float:
        total = self.samples + self.missing
        return 100.0 * self.missing / total if total else 0.0

    def add(self, other: TimelineStats) -> None:
        self.samples += other.samples
        self.missing += other.missing
        self.duplicates += other.duplicates
        self.gaps += other.gaps
        self.clock_resets += other.clock_resets
        self.restarts = max(self.restarts, other.restarts)
        if other.drift_ppm is not None:
            self.drift_ppm = other.drift_ppm


@dataclass
class Origin:
    """Shared by the streams of one device: device ns of t = 0, plus a shift that
    absorbs device clock resets."""

    device_ns: int | None = None
    shift_s: float = 0.0


@dataclass
class DriftEstimator:
    """Slope of the lowest arrival lag (host − sample time) per window, in ppm."""

    windows: deque[tuple[float, float]] = field(
        default_factory=lambda: deque(maxlen=DRIFT_WINDOWS))
    _start: float | None = None
    _min: float = np.inf

    def update(self, host_t_s: float, lag_s: float) -> float | None:
        if self._start is None:
            self._start = host_t_s
        if host_t_s - self._start >= DRIFT_WINDOW_S:
            self.windows.append((self._start, self._min))
            self._start, self._min = host_t_s, np.inf
        self._min = min(self._min, lag_s)
        if len(self.windows) < 3:
            return None
        x = np.array([w[0] for w in self.windows])
        y = np.array([w[1] for w in self.windows])
        slope = float(np.polyfit(x - x[0], y, 1)[0])
        # Lag growing means sample time advances slower than host time: a slow device.
        return round(-slope * 1e6, 1)


class StreamTimeline:
    """Times for one stream (e.g. a device's accelerometer)."""

    def __init__(self, rate_hz: float, timing: Timing, origin: Origin, *,
                 counter_modulus: int = 0, samples_per_packet: int = 1) -> None:
        if timing == "counter" and counter_modulus < 2:
            raise ValueError("counter timing needs the counter's modulus")
        self.rate_hz = rate_hz
        self.period_s = 1.0 / rate_hz
        self.timing = timing
        self.origin = origin
        self.modulus = counter_modulus
        self.arrival_gap_s = max(ARRIVAL_GAP_MIN_S, 4 * samples_per_packet * self.period_s)
        self.stats = TimelineStats()
        self.drift = DriftEstimator()
        self._last_t: float | None = None  # time of the newest sample placed
        self._last_host: float | None = None
        self._prev_stamp: int | None = None
        self._next_k: int | None = None  # counter / arrival: index of the next sample
        self._floor: float | None = None  # arrival: lowest lag, creeping
        self._counter0 = 0  # counter: the counter value of index 0
        self._restart = False

    def restart(self) -> None:
        """The stream was (re)started after a reconnect: re-anchor counts on arrival."""
        self._restart = True
        self.stats.restarts += 1

    def place(self, frame: Frame, host_t_s: float) -> tuple[FloatArray, int]:
        """Times of the frame's samples, and the index of the first one to keep (earlier
        ones repeat samples already placed)."""
        n = len(frame)
        if self.timing == "device" and frame.stamp_ns is not None:
            t = self._device(frame, host_t_s)
        elif self.timing == "counter" and frame.counter is not None:
            t = self._counter(frame.counter, n, host_t_s)
        else:
            t = self._arrival(n, host_t_s)
        self._restart = False
        keep = 0
        if self._last_t is not None:
            keep = int(np.searchsorted(t, self._last_t + DUPLICATE_PERIODS * self.period_s,
                                       side="left"))
            self.stats.duplicates += keep
            if keep < n:
                jump = float(t[keep]) - self._last_t
                if jump > GAP_PERIODS * self.period_s:
                    self.stats.gaps += 1
                    self.stats.missing += max(round(jump * self.rate_hz) - 1, 0)
        if keep < n:
            self._last_t = float(t[-1])
            self.stats.samples += n - keep
            self.stats.drift_ppm = self.drift.update(host_t_s, host_t_s - float(t[-1]))
        self._last_host = host_t_s
        return t, keep

    # --- device clock -------------------------------------------------------------

    def _device(self, frame: Frame, host_t_s: float) -> FloatArray:
        n = len(frame)
        stamp = int(frame.stamp_ns)  # type: ignore[arg-type]
        nominal_ns = 1e9 * self.period_s
        interval = nominal_ns
        if (self._prev_stamp is not None and frame.stamp_index == n - 1
                and not self._restart):
            measured = (stamp - self._prev_stamp) / n
            if abs(measured - nominal_ns) <= 0.1 * nominal_ns:
                interval = measured
        self._prev_stamp = stamp
        if self.origin.device_ns is None:
            self.origin.device_ns = round(stamp - frame.stamp_index * nominal_ns)
        offset_ns = stamp - self.origin.device_ns - frame.stamp_index * interval
        t: FloatArray = np.asarray((offset_ns + np.arange(n) * interval) / 1e9
                                   + self.origin.shift_s, dtype=np.float64)
        if self._last_t is not None and self._last_host is not None:
            back = self._last_t - float(t[0])
            if back > RESET_BACK_S or -back > RESET_AHEAD_S:
                # The device clock restarted (power cycle) or jumped: continue from the
                # last sample after the host time that passed.
                elapsed = max(host_t_s - self._last_host, n * self.period_s)
                shift = self._last_t + elapsed - (n - 1) * self.period_s - float(t[0])
                self.origin.shift_s += shift
                t = t + shift
                self.stats.clock_resets += 1
        return t

    # --- counter and arrival --------------------------------------------------------

    def _anchor(self, n: int, host_t_s: float) -> int:
        """First index after a restart: the last index plus the host time elapsed."""
        assert self._next_k is not None and self._last_host is not None
        elapsed = round((host_t_s - self._last_host) * self.rate_hz)
        return self._next_k - 1 + max(elapsed, n) - n + 1

    def _counter(self, counter: int, n: int, host_t_s: float) -> FloatArray:
        if self._next_k is None or self._restart:
            # First packet, or a restarted stream whose counter may have restarted too.
            k = 0 if self._next_k is None else self._anchor(n, host_t_s)
            self._counter0 = counter - k
        else:
            expected = (self._counter0 + self._next_k) % self.modulus
            d = (counter - expected) % self.modulus
            # Ahead by less than half the counter range: lost samples; else a repeat.
            k = self._next_k + d if d < self.modulus // 2 else self._next_k - (self.modulus - d)
        self._next_k = k + n if self._next_k is None else max(self._next_k, k + n)
        out: FloatArray = (k + np.arange(n, dtype=np.float64)) * self.period_s + self.origin.shift_s
        return out

    def _arrival(self, n: int, host_t_s: float) -> FloatArray:
        if self._next_k is None:
            k = 0
        elif self._restart:
            k = self._anchor(n, host_t_s)
            self._floor = None  # the link's latency may differ after a reconnect
        else:
            k = self._next_k
        lag = host_t_s - (k + n - 1) * self.period_s
        if self._floor is not None and self._last_host is not None:
            floor = self._floor + LAG_RISE * max(host_t_s - self._last_host, 0.0)
            excess = lag - floor
            if excess > self.arrival_gap_s:
                k += round(excess * self.rate_hz)  # samples lost while the link stalled
                lag = host_t_s - (k + n - 1) * self.period_s
            self._floor = min(floor, lag)
        else:
            self._floor = lag
        self._next_k = k + n
        out: FloatArray = (k + np.arange(n, dtype=np.float64)) * self.period_s + self.origin.shift_s
        return out
