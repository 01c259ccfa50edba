"""Notifications → timed 6-axis :class:`ImuChunk` s, for one device.

The same object serves a live link and a capture replay: it sees the notifications in
the same order with the same recorded host times, so it produces the same chunks.
Devices that send accelerometer and gyro in separate packets (Polar, MetaWear) are
paired here: each accelerometer sample gets the gyro value at its time (exact when the
two share a sample grid, as both devices' streams do; linear between neighbours
otherwise). Accelerometer samples with no gyro around them are dropped and counted.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from eccentric.ble.device_clock import Origin, StreamTimeline, TimelineStats
from eccentric.core.chunk import FloatArray, ImuChunk, concat
from eccentric.devices.base import DecodeStats, Driver

SNAP_PERIODS = 0.01  # times closer than this share a sample
PAIR_GAP_PERIODS = 2.5  # gyro neighbours further apart than this do not interpolate
MAX_WAIT_S = 5.0  # a stream waiting longer than this for its partner is dropped from
BATCH_SPAN_S = 0.1  # hand the pipeline ≥ 100 ms of samples at a time (≤ 100 ms delay)


@dataclass
class MergeStats:
    unpaired: int = 0  # accelerometer samples dropped for want of gyro


class PairMerger:
    """Pairs accelerometer samples with gyro values by time; bounded buffers.

    Plain Python per sample: packets hold 1–70 samples, and numpy's per-call overhead
    on such tiny arrays cost more than the work (profiled with 20 devices).
    """

    def __init__(self, rate_hz: float) -> None:
        self.period_s = 1.0 / rate_hz
        self.snap_s = SNAP_PERIODS * self.period_s
        self.stats = MergeStats()
        self._acc: deque[tuple[float, list[float]]] = deque()
        self._gyro: deque[tuple[float, list[float]]] = deque()

    def add(self, stream: str, t: FloatArray, values: FloatArray) -> None:
        buf = self._acc if stream == "acc" else self._gyro
        buf.extend(zip(t.tolist(), values.tolist(), strict=True))

    def pop(self) -> ImuChunk | None:
        """Every accelerometer sample that can be decided now."""
        acc, gyro, snap = self._acc, self._gyro, self.snap_s
        out_t: list[float] = []
        out_a: list[list[float]] = []
        out_g: list[list[float]] = []
        while acc and gyro:
            t, a = acc[0]
            # Keep gyro[0] = the newest gyro sample at or before t (within snap).
            while len(gyro) >= 2 and gyro[1][0] <= t + snap:
                gyro.popleft()
            t0, g0 = gyro[0]
            if abs(t0 - t) <= snap:
                g = g0
            elif t0 > t:
                acc.popleft()  # before the first gyro sample: cannot be paired
                self.stats.unpaired += 1
                continue
            elif len(gyro) < 2:
                break  # the gyro after t has not arrived yet
            else:
                t1, g1 = gyro[1]
                if t1 - t0 > PAIR_GAP_PERIODS * self.period_s:
                    acc.popleft()  # inside a gyro gap
                    self.stats.unpaired += 1
                    continue
                w = (t - t0) / (t1 - t0)
                g = [x0 + w * (x1 - x0) for x0, x1 in zip(g0, g1, strict=True)]
            acc.popleft()
            out_t.append(t)
            out_a.append(a)
            out_g.append(g)
        self._expire()
        if not out_t:
            return None
        return ImuChunk(np.array(out_t), np.array(out_a), np.array(out_g))

    def _expire(self) -> None:
        """A stream whose partner stays silent is not buffered for ever."""
        for buf, counts in ((self._acc, True), (self._gyro, False)):
            while buf and buf[-1][0] - buf[0][0] > MAX_WAIT_S:
                buf.popleft()
                if counts:
                    self.stats.unpaired += 1


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

    def link_event(self, name: str) -> None:
        """A link event from the capture or the live session. After a disconnection the
        next packet of each stream is re-anchored on arrival time: the device may have
        restarted its stream (and its counters) and samples were lost meanwhile. (Some
        devices stream as soon as notifications are on, before the session's own
        ``stream_start`` marker, so the disconnection is the trigger.)"""
        if name == "disconnected":
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
