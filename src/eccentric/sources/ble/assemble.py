"""Notifications → timed 6-axis :class:`ImuChunk` s, for one device.

The same object serves a live link and a capture replay: it sees the notifications in
the same order with the same recorded host times, so it produces the same chunks.
Devices that send accelerometer and gyro in separate packets (Polar, MetaWear) are
paired here: each accelerometer sample gets the gyro value at its time (exact when the
two share a sample grid, as both devices' streams do; linear between neighbours
otherwise). Accelerometer samples with no gyro around them are dropped and counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from eccentric.chunk import FloatArray, ImuChunk, concat
from eccentric.sources.ble.base import DecodeStats, Driver
from eccentric.sources.ble.timeline import Origin, StreamTimeline, TimelineStats

SNAP_PERIODS = 0.01  # times closer than this share a sample
PAIR_GAP_PERIODS = 2.5  # gyro neighbours further apart than this do not interpolate
MAX_WAIT_S = 5.0  # a stream waiting longer than this for its partner is dropped from
BATCH_SPAN_S = 0.05  # hand the pipeline ≥ 50 ms of samples at a time (≤ 50 ms added delay)


@dataclass
class MergeStats:
    unpaired: int = 0  # accelerometer samples dropped for want of gyro


class PairMerger:
    """Pairs accelerometer samples with gyro values by time; bounded buffers."""

    def __init__(self, rate_hz: float) -> None:
        self.period_s = 1.0 / rate_hz
        self.stats = MergeStats()
        self._acc_t = np.zeros(0)
        self._acc = np.zeros((0, 3))
        self._gyro_t = np.zeros(0)
        self._gyro = np.zeros((0, 3))

    def add(self, stream: str, t: FloatArray, values: FloatArray) -> None:
        if stream == "acc":
            self._acc_t = np.concatenate([self._acc_t, t])
            self._acc = np.concatenate([self._acc, values])
        else:
            self._gyro_t = np.concatenate([self._gyro_t, t])
            self._gyro = np.concatenate([self._gyro, values])

    def pop(self) -> ImuChunk | None:
        """Every accelerometer sample that can be decided now."""
        if len(self._acc_t) == 0:
            self._trim_gyro(None)
            return None
        if len(self._gyro_t) == 0:
            self._expire_acc()
            return None
        snap = SNAP_PERIODS * self.period_s
        ready = int(np.searchsorted(self._acc_t, self._gyro_t[-1] + snap, side="right"))
        if ready == 0:
            self._expire_acc()
            return None
        t = self._acc_t[:ready]
        gyro, ok = self._gyro_at(t, snap)
        chunk = ImuChunk(t[ok], self._acc[:ready][ok], gyro[ok])
        self.stats.unpaired += int(np.count_nonzero(~ok))
        self._acc_t, self._acc = self._acc_t[ready:], self._acc[ready:]
        self._trim_gyro(float(t[-1]))
        return chunk if len(chunk) else None

    def _gyro_at(self, t: FloatArray, snap: float) -> tuple[FloatArray, np.ndarray]:
        gt, gv = self._gyro_t, self._gyro
        j = np.searchsorted(gt, t - snap, side="left")  # first gyro ≥ t − snap
        j = np.minimum(j, len(gt) - 1)
        exact = np.abs(gt[j] - t) <= snap
        lo = np.maximum(j - 1, 0)
        span = gt[j] - gt[lo]
        inside = (~exact) & (j > 0) & (gt[lo] < t) & (gt[j] > t) & (
            span <= PAIR_GAP_PERIODS * self.period_s)
        w = np.where(inside, (t - gt[lo]) / np.where(span > 0, span, 1.0), 0.0)
        out = np.where(exact[:, None], gv[j], gv[lo] + w[:, None] * (gv[j] - gv[lo]))
        return out, exact | inside

    def _trim_gyro(self, t_done: float | None) -> None:
        """Keep one gyro sample before the next undecided accelerometer sample."""
        if len(self._gyro_t) == 0:
            return
        if t_done is None:
            keep_from = int(np.searchsorted(self._gyro_t, self._gyro_t[-1] - MAX_WAIT_S))
        else:
            keep_from = max(int(np.searchsorted(self._gyro_t, t_done, side="right")) - 1, 0)
        self._gyro_t, self._gyro = self._gyro_t[keep_from:], self._gyro[keep_from:]

    def _expire_acc(self) -> None:
        if len(self._acc_t) and self._acc_t[-1] - self._acc_t[0] > MAX_WAIT_S:
            cut = int(np.searchsorted(self._acc_t, self._acc_t[-1] - MAX_WAIT_S))
            self.stats.unpaired += cut
            self._acc_t, self._acc = self._acc_t[cut:], self._acc[cut:]


class Assembler:
    """One device: driver decode → per-stream timeline → paired chunks."""

    def __init__(self, driver: Driver) -> None:
        self.driver = driver
        origin = Origin()
        self.timelines = {
            s: StreamTimeline(driver.rate_hz, driver.timing, origin,
                              counter_modulus=driver.counter_modulus,
                              samples_per_packet=driver.samples_per_packet)
            for s in driver.streams}
        self.merger = PairMerger(driver.rate_hz) if set(driver.streams) == {"acc", "gyro"} \
            else None

    @property
    def decode_stats(self) -> DecodeStats:
        return self.driver.stats

    def timeline_stats(self) -> TimelineStats:
        """Summed over streams; loss counts samples of the pipeline's stream pairs."""
        total = TimelineStats()
        for tl in self.timelines.values():
            total.add(tl.stats)
        if len(self.timelines) > 1:
            total.samples //= len(self.timelines)
            total.missing //= len(self.timelines)
        return total

    def restart(self) -> None:
        for tl in self.timelines.values():
            tl.restart()

    def notification(self, char: str, data: bytes, host_t_s: float) -> ImuChunk | None:
        frames = self.driver.decode(char, data)
        parts: list[ImuChunk] = []
        for f in frames:
            tl = self.timelines.get(f.stream)
            if tl is None:
                continue  # e.g. magnetometer: decoded and counted, not used
            t, keep = tl.place(f, host_t_s)
            if keep >= len(f):
                continue
            t, v = t[keep:], f.values[keep:]
            if f.stream == "imu":
                parts.append(ImuChunk(t, v[:, :3], v[:, 3:]))
            elif self.merger is not None:
                self.merger.add(f.stream, t, v)
        if self.merger is not None:
            merged = self.merger.pop()
            if merged is not None:
                parts.append(merged)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else concat(parts)


class ChunkBatcher:
    """Joins chunks until they span ``min_span_s`` of stream time. Flushed at stream
    (re)starts and at the end, which a capture records, so replays batch identically."""

    def __init__(self, min_span_s: float = BATCH_SPAN_S) -> None:
        self.min_span_s = min_span_s
        self._pending: list[ImuChunk] = []

    def add(self, chunk: ImuChunk) -> Iterator[ImuChunk]:
        self._pending.append(chunk)
        if float(chunk.t_s[-1]) - float(self._pending[0].t_s[0]) >= self.min_span_s:
            yield from self.flush()

    def flush(self) -> Iterator[ImuChunk]:
        if self._pending:
            out = concat(self._pending) if len(self._pending) > 1 else self._pending[0]
            self._pending = []
            yield out
