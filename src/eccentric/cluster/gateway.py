"""``eccentric gateway``: athlete streams -> raw IMU chunks on the cluster.

Every chunk goes to the on-disk spool first; a sender drains the spool in order to
JetStream (``imu.<partition>.<athlete>``, de-duplicated by ``<stream id>:<seq>``) and
deletes what the cluster acknowledged. While the broker is away the spool grows; after
reconnecting it is drained oldest first, so a worker sees each stream in order.

Sources: recordings replayed at a factor of real time (the benchmark, ``dev cluster``
and tests: many athletes on one machine), or BLE devices through the existing link code.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import math
import secrets
import time
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eccentric.cluster.spool import Spool
from eccentric.cluster.streams import ensure_streams
from eccentric.cluster.subjects import (
    DEFAULT_PARTITIONS,
    END_HEADER,
    SENT_HEADER,
    chunk_msg_id,
    imu_subject,
    stream_id,
)
from eccentric.core.chunk import ImuChunk, iter_chunks
from eccentric.mqtt.payloads import encode, imu_payload

log = logging.getLogger(__name__)

# Stream time per chunk (s): a BLE sensor notifies every 10-100 ms; 0.1 s keeps
# messages small and the latency a chunk adds low.
CHUNK_S = 0.1
SEND_BATCH = 256
ACK_TIMEOUT_S = 2.0
STOP_DRAIN_S = 5.0


@dataclass
class AthleteStream:
    """One athlete's chunks with the settings a worker needs to run the pipeline."""

    athlete: str
    sensor: str
    session: str
    exercise: str
    rate_hz: float
    chunks: Iterator[ImuChunk]
    side: str | None = None
    target_tempo: str | None = None
    stream_id: str = ""
    seq: int = 0
    last_t_s: float | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def descriptor(self) -> dict[str, Any]:
        return {"id": self.stream_id, "session": self.session, "exercise": self.exercise,
                "rate_hz": self.rate_hz, "side": self.side, "target_tempo": self.target_tempo}


def recording_stream(path: Path, athlete: str, *, chunk_s: float = CHUNK_S,
                     exercise: str | None = None) -> AthleteStream:
    """A recording replayed as one athlete's stream (cut into ``chunk_s`` pieces)."""
    from eccentric.io.recording_reader import read_all

    header, whole = read_all(path)
    name = path.name.removesuffix(".gz").removesuffix(".jsonl")
    return AthleteStream(athlete=athlete, sensor=header.sensor or "sensor", session=name,
                         exercise=exercise or header.exercise or "auto",
                         rate_hz=header.rate_hz,
                         side=header.side if header.side != "unknown" else None,
                         chunks=iter_chunks(whole, chunk_s))


class Gateway:
    """Spools athlete chunks and drains the spool to the cluster."""

    def __init__(self, servers: list[str], spool_path: Path, *,
                 partitions: int = DEFAULT_PARTITIONS, run_id: str | None = None,
                 replicas: int = 3) -> None:
        self.servers = servers
        self.replicas = replicas
        self.spool = Spool(spool_path)
        self.partitions = partitions
        self.run_id = run_id or secrets.token_hex(3)
        self.sent = 0
        self.spooled = 0
        self.max_backlog = 0
        self._producing = True

    def start_stream(self, stream: AthleteStream) -> None:
        stream.stream_id = stream_id(stream.athlete, self.run_id)

    def add_chunk(self, stream: AthleteStream, chunk: ImuChunk) -> None:
        """Spool one chunk of ``stream`` (gap flag from the sample times)."""
        gap = (stream.last_t_s is not None
               and float(chunk.t_s[0]) - stream.last_t_s > 1.5 / stream.rate_hz)
        payload = imu_payload(chunk, athlete=stream.athlete, sensor=stream.sensor,
                              seq=stream.seq, gap=gap, stream=stream.descriptor())
        headers = {SENT_HEADER: f"{time.time():.6f}"}
        self.spool.add(imu_subject(stream.athlete, self.partitions),
                       chunk_msg_id(stream.stream_id, stream.seq), headers, encode(payload))
        stream.seq += 1
        stream.last_t_s = float(chunk.t_s[-1])
        self.spooled += 1

    def end_stream(self, stream: AthleteStream) -> None:
        self.spool.add(imu_subject(stream.athlete, self.partitions),
                       f"{stream.stream_id}:end", {END_HEADER: stream.stream_id}, b"")
        self.spooled += 1

    async def replay(self, streams: list[AthleteStream], *, speed: float = 1.0,
                     stop: asyncio.Event | None = None) -> None:
        """Feed ``streams`` paced at ``speed`` x real time, all at once; returns when every
        stream ended (or ``stop`` was set)."""
        heap: list[tuple[float, int, ImuChunk]] = []
        starts: dict[int, float] = {}
        wall0 = time.monotonic()
        for i, s in enumerate(streams):
            self.start_stream(s)
            first = next(s.chunks, None)
            if first is None:
                self.end_stream(s)
                continue
            starts[i] = float(first.t_s[0])
            heapq.heappush(heap, (wall0, i, first))
        while heap and not (stop is not None and stop.is_set()):
            due, i, chunk = heap[0]
            delay = due - time.monotonic()
            if delay > 0:
                self.spool.commit()
                await asyncio.sleep(min(delay, 0.05))
                continue
            heapq.heappop(heap)
            s = streams[i]
            self.add_chunk(s, chunk)
            nxt = next(s.chunks, None)
            if nxt is None:
                self.end_stream(s)
            else:
                t_due = wall0 + (float(nxt.t_s[-1]) - starts[i]) / speed
                heapq.heappush(heap, (t_due, i, nxt))
        self.spool.commit()

    async def send(self, nc: Any, stop: asyncio.Event) -> None:
        """Drain the spool to JetStream in order until ``stop`` and the spool is empty."""
        js = nc.jetstream()
        while True:
            rows = self.spool.oldest(SEND_BATCH)
            self.max_backlog = max(self.max_backlog, len(rows))
            if not rows:
                if stop.is_set():
                    return
                await asyncio.sleep(0.005)
                continue
            if not nc.is_connected:
                await asyncio.sleep(0.05)
                continue
            try:
                futures = []
                for r in rows:
                    headers = dict(r.headers)
                    headers["Nats-Msg-Id"] = r.msg_id
                    futures.append(await js.publish_async(r.subject, r.body, headers=headers,
                                                          wait_stall=ACK_TIMEOUT_S))
                await asyncio.wait_for(asyncio.gather(*futures), ACK_TIMEOUT_S)
            except Exception as exc:  # broker away or leader change: keep the spool, retry
                log.info("gateway: %d chunks not acknowledged yet (%s); retrying",
                         len(rows), type(exc).__name__)
                for f in futures:
                    f.cancel()
                await asyncio.sleep(0.2)
                continue
            self.spool.remove_through(rows[-1].row)
            self.sent += len(rows)

    async def run_replay(self, streams: list[AthleteStream], *, speed: float = 1.0,
                         stop: asyncio.Event | None = None) -> None:
        """Connect, replay ``streams`` and drain the spool; returns once all is sent."""
        await self.run_source(self.replay(streams, speed=speed, stop=stop), stop=stop)

    async def run_source(self, source: Coroutine[Any, Any, None],
                         stop: asyncio.Event | None = None) -> None:
        """Run ``source`` (which spools chunks) while connecting and draining the spool;
        returns once the source ended and everything spooled was acknowledged. The
        source starts at once: a broker away at start-up only delays the sending. When
        ``stop`` ended the source, the drain gets STOP_DRAIN_S; what is left stays in
        the spool file for the next run."""
        done = asyncio.Event()
        sender = asyncio.create_task(self._connect_and_send(done))
        try:
            await source
        finally:
            done.set()
            if stop is not None and stop.is_set():
                try:
                    await asyncio.wait_for(sender, STOP_DRAIN_S)
                except TimeoutError:
                    log.warning("gateway: %d chunks not sent yet; kept in %s for the next run",
                                len(self.spool), self.spool.path)
            else:
                await sender
            self.spool.close()

    async def _connect_and_send(self, done: asyncio.Event) -> None:
        warned = False
        while True:
            try:
                nc = await connect(self.servers, "eccentric-gateway")
                break
            except Exception as exc:  # no node reachable yet: keep spooling, retry
                (log.debug if warned else log.warning)(
                    "gateway: cluster not reachable (%s); spooling to %s and retrying",
                    exc, self.spool.path)
                warned = True
                await asyncio.sleep(1.0)
        try:
            # A gateway may come up before any worker: the streams must exist to store.
            await ensure_streams(nc.jetstream(), replicas=self.replicas, timeout_s=math.inf)
            await self.send(nc, done)
        finally:
            await nc.drain()


async def connect(servers: list[str], name: str) -> Any:
    """A client that never gives up reconnecting (any node of the cluster will do)."""
    import nats

    async def quiet(exc: Exception) -> None:
        log.debug("%s: %s", name, exc)

    return await nats.connect(servers=servers, name=name, max_reconnect_attempts=-1,
                              reconnect_time_wait=0.2, connect_timeout=2,
                              allow_reconnect=True, error_cb=quiet, ping_interval=1,
                              max_outstanding_pings=2, pending_size=64 * 1024 * 1024)
