"""``eccentric worker``: raw IMU from the cluster -> the one pipeline -> the events of ``live``.

Stream affinity: athletes are hashed onto partitions (subjects.partition_of) and each
partition belongs to one worker at a time, by a lease in a JetStream key-value bucket
whose entries expire LEASE_TTL_S after their last renewal. Workers renew every
HEARTBEAT_S; a worker that dies (kill -9) stops renewing, its leases expire and the
others take its partitions over, each up to a fair share of the live workers.

After each closed set the worker stores a resume point per athlete stream (the IMU
stream sequence of the chunk that closed it, and the pipeline's ``ResumeState``: set
and rep counters, start pose) in a key-value bucket. A worker that takes a partition
over replays from the oldest of its streams' newest resume points, each athlete
through a fresh ``Drive``/``Pipeline`` restored from its point, so the catch-up is
bounded by the time since a set last closed, not by the session's length. The pipeline
reads no clock and the counters carry on, so the replay yields the same event ids
(their run id is the gateway's stream id, not the worker's). Durable events go to the
EVENTS stream with their id as ``Nats-Msg-Id``: JetStream stores an id once, and the
worker whose copy was stored publishes it on the MQTT-visible subject, so a replay
publishes no duplicates downstream. (Not the stream's RePublish: nats-server 2.9 does
not hand JetStream's own re-published messages to MQTT clients on the stream leader's
node, so a dashboard there would see no reps; see docs/scale.md.)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from eccentric.cluster.gateway import connect
from eccentric.cluster.streams import ensure_streams
from eccentric.cluster.subjects import (
    DEFAULT_BASE,
    DEFAULT_PARTITIONS,
    DURABLE_KINDS,
    END_HEADER,
    IMU_STREAM,
    LEASE_BUCKET,
    MEMBER_BUCKET,
    RESUME_BUCKET,
    RESUMED_SUBJECT,
    SENT_HEADER,
    event_msg_id,
    event_subject,
    lease_key,
    partition_filter,
    partition_of,
    resume_key,
    token,
)
from eccentric.core.errors import InputFormatError
from eccentric.core.events import Event, run_session_id
from eccentric.mqtt.payloads import encode, envelope, imu_chunk, wrap_event
from eccentric.session.drive import Drive
from eccentric.session.pipeline import Pipeline, PipelineConfig, ResumeState

log = logging.getLogger(__name__)

HEARTBEAT_S = 0.5
# consumer_info calls at a takeover before leaving the notice to the first message.
CONSUMER_INFO_TRIES = 5
# Hand a partition back only after holding more than the fair share for this long (s),
# and never one taken less than HOLD_S ago: a member entry renewed late on a loaded
# machine must not make partitions (and their replays) bounce between workers.
REBALANCE_AFTER_S = 3.0
HOLD_S = 5.0
STARTUP_WAIT_S = 1.5
# Live gauge events of chunks older than this are a replay's: not worth showing (s).
LIVE_FRESH_S = 2.0
STATUS_EVERY_S = 1.0
PUBLISH_RETRY_S = 0.2


class EventBuffer:
    """The worker's sink: collects a chunk's events, published after the chunk."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def publish_event(self, event: Event) -> None:
        self.events.append(event)

    def take(self) -> list[Event]:
        out, self.events = self.events, []
        return out

    def close(self) -> None:
        self.events.clear()


@dataclass
class AthleteState:
    athlete: str
    sensor: str
    stream_id: str
    partition: int
    drive: Drive
    buffer: EventBuffer
    last_seq: int = -1
    # For the status message: samples since the last one, and the newest chunk's
    # stream time and gateway time (Unix s).
    samples: int = 0
    last_t_s: float | None = None
    last_sent_s: float = 0.0


@dataclass
class PartitionState:
    revision: int
    taken_wall_s: float
    taken_mono_s: float = field(default_factory=time.monotonic)
    sub: Any = None
    caught_up: bool = False
    replayed: int = 0
    streams: set[str] = field(default_factory=set)
    # Newest resume point per stream id when taken: {"stream_seq", "seq", "state"}.
    resume: dict[str, dict[str, Any]] = field(default_factory=dict)
    start_seq: int = 1


class Worker:
    """Owns a fair share of the partitions and runs their athletes' pipelines."""

    def __init__(self, servers: list[str], *, worker_id: str | None = None,
                 partitions: int = DEFAULT_PARTITIONS, base: str = DEFAULT_BASE,
                 live_hz: float = 5.0, replicas: int = 3) -> None:
        self.servers = servers
        self.worker_id = token(worker_id or f"{socket.gethostname()}-{os.getpid()}")
        self.partitions = partitions
        self.base = base
        self.live_hz = live_hz
        self.replicas = replicas
        self.owned: dict[int, PartitionState] = {}
        self.athletes: dict[str, AthleteState] = {}
        self.chunks = 0
        self.published = 0
        self.duplicates = 0
        self.bad_chunks = 0
        self.nc: Any = None
        self.js: Any = None
        self._over_share_since: float | None = None

    # --- life cycle -------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        # The client retries until a node answers (the cluster may come up after its
        # workers); Ctrl-C meanwhile ends the wait.
        connecting = asyncio.ensure_future(
            connect(self.servers, f"eccentric-worker-{self.worker_id}"))
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not connecting.done():
            connecting.cancel()
            return
        stopping.cancel()
        self.nc = connecting.result()
        self.js = self.nc.jetstream()
        await ensure_streams(self.js, replicas=self.replicas)
        self.leases = await self.js.key_value(LEASE_BUCKET)
        self.members = await self.js.key_value(MEMBER_BUCKET)
        self.resume_points = await self.js.key_value(RESUME_BUCKET)
        # Renewing runs on its own, so a slow claim (creating consumers on a loaded
        # machine) never lets this worker's leases expire.
        renew = asyncio.create_task(self._every(stop, self._renew))
        await self._announce(stop)  # first, so every worker's share counts this one
        # Workers started together then see each other before claiming, and each takes
        # its share at once instead of one taking all and handing most back.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), STARTUP_WAIT_S)
        claim = asyncio.create_task(self._every(stop, self._claim))
        status = asyncio.create_task(self._every(stop, self._status, STATUS_EVERY_S))
        try:
            await stop.wait()
        finally:
            await asyncio.gather(renew, claim, status, return_exceptions=True)
            await self._release_all()
            await self.nc.drain()

    async def _announce(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.members.put(self.worker_id, b"0")
                return
            except Exception:  # a bucket just created may need a moment to answer
                await asyncio.sleep(0.2)

    async def _every(self, stop: asyncio.Event, job: Any, every_s: float = HEARTBEAT_S) -> None:
        while not stop.is_set():
            try:
                await job()
            except Exception as exc:  # a node away: the next round tries again
                log.info("worker %s: %s failed (%s)", self.worker_id, job.__name__, exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every_s)

    async def _status(self) -> None:
        """The status message of ``live`` for each athlete streaming now (not retained:
        core NATS cannot retain; the next one follows within STATUS_EVERY_S)."""
        now = time.time()
        for a in list(self.athletes.values()):
            age_s = now - a.last_sent_s
            if a.last_t_s is None or age_s > LIVE_FRESH_S + STATUS_EVERY_S:
                continue  # replaying, or the stream went quiet
            payload = envelope("status", athlete=a.athlete, sensor=a.sensor, t_s=a.last_t_s)
            payload.update({
                "online": True, "sensor_connected": True,
                "sample_rate_hz": round(a.samples / STATUS_EVERY_S, 1),
                "packet_loss_pct": None, "battery_pct": None, "stale": age_s > LIVE_FRESH_S,
                "queued_messages": 0, "dropped_messages": 0,
                "exercise": a.drive.pipeline.profile.name, "reps": a.drive.pipeline.reps})
            a.samples = 0
            await self.nc.publish(f"{self.base}.{token(a.athlete)}.status", encode(payload))

    async def _release_all(self) -> None:
        """A clean stop hands partitions over at once instead of after the lease TTL."""
        for p in list(self.owned):
            state = await self._drop(p)
            with contextlib.suppress(Exception):
                await self.leases.delete(lease_key(p), last=state.revision)
        with contextlib.suppress(Exception):
            await self.members.delete(self.worker_id)

    # --- leases -----------------------------------------------------------------------

    async def _renew(self) -> None:
        await self.members.put(self.worker_id, str(len(self.owned)).encode())
        await asyncio.gather(*(self._renew_one(p, st) for p, st in list(self.owned.items())))

    async def _renew_one(self, p: int, state: PartitionState) -> None:
        key = lease_key(p)
        try:
            state.revision = await self.leases.update(key, self._me(), last=state.revision)
            return
        except Exception as exc:
            failure = type(exc).__name__
        # A renewal whose reply was lost (a node going away) may still have been stored.
        with contextlib.suppress(Exception):
            entry = await self.leases.get(key)
            if entry.value == self._me() and entry.revision is not None:
                state.revision = entry.revision
                return
        if self.owned.get(p) is state:
            log.warning("worker %s: lost partition %d (%s)", self.worker_id, p, failure)
            await self._drop(p)

    async def _claim(self) -> None:
        """Take free partitions up to a fair share of the live workers; hand one back
        per round while holding more (a worker joined)."""
        from nats.js.errors import NoKeysError

        try:
            alive = len(await self.members.keys())
        except NoKeysError:
            alive = 1
        share = math.ceil(self.partitions / max(alive, 1))
        now = time.monotonic()
        if len(self.owned) <= share:
            self._over_share_since = None
        elif self._over_share_since is None:
            self._over_share_since = now
        elif now - self._over_share_since >= REBALANCE_AFTER_S:
            settled = [p for p, st in self.owned.items() if now - st.taken_mono_s >= HOLD_S]
            if settled:
                p = max(settled)
                state = await self._drop(p)
                await self.leases.delete(lease_key(p), last=state.revision)
            return
        if len(self.owned) >= share:
            return
        try:
            held = set(await self.leases.keys())
        except NoKeysError:
            held = set()
        start = partition_of(self.worker_id, self.partitions)
        for i in range(self.partitions):
            if len(self.owned) >= share:
                break
            p = (start + i) % self.partitions
            if p in self.owned or lease_key(p) in held:
                continue  # one listing instead of a failing create per held lease
            try:
                revision = await self.leases.create(lease_key(p), self._me())
            except Exception:
                continue  # another worker holds it
            await self._take(p, revision)

    def _me(self) -> bytes:
        return self.worker_id.encode()

    async def _take(self, p: int, revision: int) -> None:
        from nats.js.api import ConsumerConfig, DeliverPolicy

        state = PartitionState(revision=revision, taken_wall_s=time.time())
        self.owned[p] = state
        state.resume = await self._resume_points(p)
        if state.resume:
            state.start_seq = min(int(r["stream_seq"]) for r in state.resume.values()) + 1
        log.info("worker %s: took partition %d (replay from stream seq %d, %d resume points)",
                 self.worker_id, p, state.start_seq, len(state.resume))

        # No resume point: the whole partition, as a plain ALL consumer.
        start = (ConsumerConfig(opt_start_seq=state.start_seq) if state.start_seq > 1
                 else None)
        start_policy = (DeliverPolicy.BY_START_SEQUENCE if start is not None
                        else DeliverPolicy.ALL)

        async def on_message(msg: Any) -> None:
            if self.owned.get(p) is not state:
                return  # dropped meanwhile
            await self._handle(p, state, msg)

        state.sub = await self.js.subscribe(partition_filter(p), stream=IMU_STREAM,
                                            cb=on_message, ordered_consumer=True,
                                            config=start, deliver_policy=start_policy,
                                            pending_msgs_limit=1_000_000,
                                            pending_bytes_limit=1 << 30)
        # A partition with nothing to replay gets its notice here, since no message will
        # bring it. Not from ``delivered``: on a filtered consumer the server moves that
        # past other partitions' messages, so it says nothing about this one.
        for _ in range(CONSUMER_INFO_TRIES):
            try:
                info = await state.sub.consumer_info()
                break
            except Exception:
                await asyncio.sleep(PUBLISH_RETRY_S)
        else:
            return  # the cluster is away: the first message will tell
        if (info.num_pending == 0 and state.sub.pending_msgs == 0 and state.replayed == 0
                and not state.caught_up and self.owned.get(p) is state):
            await self._caught_up(p, state)  # nothing to replay

    async def _resume_points(self, p: int) -> dict[str, dict[str, Any]]:
        """The partition's resume points by stream id (none: replay from the start)."""
        points: dict[str, dict[str, Any]] = {}
        try:
            watcher = await self.resume_points.watch(f"p{p}.*", ignore_deletes=True)
        except Exception as exc:
            log.warning("worker %s: no resume points for partition %d (%s): replaying "
                        "from the start", self.worker_id, p, exc)
            return {}
        try:
            async for entry in watcher:
                if entry is None:
                    break  # the stored ones are all listed
                if not entry.value:
                    continue
                try:
                    point = json.loads(entry.value)
                    points[str(point["stream"])] = point
                    int(point["stream_seq"])
                except (ValueError, KeyError, TypeError) as exc:
                    # A bad point only makes the replay longer: start before it.
                    log.warning("worker %s: ignored resume point %s: %s", self.worker_id,
                                entry.key, exc)
                    return {}
        finally:
            with contextlib.suppress(Exception):
                await watcher.stop()
        return points

    async def _save_resume(self, athlete: AthleteState, stream_seq: int, seq: int,
                           state: ResumeState | None) -> None:
        """Store where a takeover may resume ``athlete`` (after ``stream_seq``). A set's
        point lost on a node fault only means a longer replay from the previous one;
        the stream's first point is retried until stored: without it a takeover could
        start after the stream's start and number its reps from 1 again (ids that
        EVENTS already holds, so dropped as duplicates)."""
        point = {"stream": athlete.stream_id, "stream_seq": stream_seq, "seq": seq,
                 "state": state.as_dict() if state is not None else None}
        key = resume_key(athlete.partition, athlete.stream_id)
        while True:
            try:
                await self.resume_points.put(key, json.dumps(point).encode())
                return
            except Exception as exc:
                log.info("worker %s: resume point of %s not stored (%s)", self.worker_id,
                         athlete.stream_id, type(exc).__name__)
                if state is not None:
                    return
                await asyncio.sleep(PUBLISH_RETRY_S)

    async def _drop(self, p: int) -> PartitionState:
        state = self.owned.pop(p)
        state.caught_up = True  # no notice for a partition given up
        if state.sub is not None:
            with contextlib.suppress(Exception):
                await state.sub.unsubscribe()
        for sid in state.streams:
            self.athletes.pop(sid, None)
        log.info("worker %s: released partition %d", self.worker_id, p)
        return state

    # --- chunks -----------------------------------------------------------------------

    async def _handle(self, p: int, state: PartitionState, msg: Any) -> None:
        headers = msg.headers or {}
        sent_s = _float(headers.get(SENT_HEADER))
        end = headers.get(END_HEADER)
        if end is not None:
            athlete = self.athletes.pop(end, None)
            if athlete is not None:
                state.streams.discard(end)
                await self._emit(athlete, athlete.drive.finish(), sent_s)
                with contextlib.suppress(Exception):
                    await self.resume_points.delete(resume_key(p, athlete.stream_id))
        else:
            meta = getattr(msg, "metadata", None)
            stream_seq = int(getattr(getattr(meta, "sequence", None), "stream", 0) or 0)
            await self._chunk(p, state, msg.data, sent_s, stream_seq)
            # A replay is thousands of queued chunks: let lease renewals in between.
            await asyncio.sleep(0)
        if not state.caught_up:
            state.replayed += 1
            if getattr(getattr(msg, "metadata", None), "num_pending", 0) == 0:
                await self._caught_up(p, state)

    async def _caught_up(self, p: int, state: PartitionState) -> None:
        """Announce that ``p`` is live on this worker (tests and operators watch it)."""
        state.caught_up = True
        notice = {"worker": self.worker_id, "partition": p, "taken_s": state.taken_wall_s,
                  "caught_up_s": time.time(), "replayed": state.replayed,
                  "start_seq": state.start_seq,
                  "athletes": sorted(self.athletes[s].athlete for s in state.streams)}
        await self.nc.publish(RESUMED_SUBJECT, json.dumps(notice).encode())

    async def _chunk(self, p: int, state: PartitionState, data: bytes, sent_s: float,
                     stream_seq: int) -> None:
        try:
            payload = json.loads(data)
            chunk = imu_chunk(payload, "cluster imu message")
            stream = payload.get("stream") or {}
            sid = str(stream["id"])
            seq = int(payload["seq"])
        except (ValueError, KeyError, TypeError, InputFormatError) as exc:
            self.bad_chunks += 1
            log.warning("worker %s: skipped a bad chunk on partition %d: %s",
                        self.worker_id, p, exc)
            return
        athlete = self.athletes.get(sid)
        if athlete is None:
            athlete = self._new_athlete(p, payload, stream, state.resume.get(sid))
            self.athletes[sid] = athlete
            state.streams.add(sid)
            if sid not in state.resume:
                # Before its first events: a takeover must start at or before this chunk.
                await self._save_resume(athlete, stream_seq - 1, seq - 1, None)
        if seq <= athlete.last_seq:
            # Before the stream's resume point (its events are stored), or a re-sent
            # chunk JetStream kept (outside its de-duplication window).
            return
        athlete.last_seq = seq
        self.chunks += 1
        athlete.samples += len(chunk)
        athlete.last_t_s, athlete.last_sent_s = float(chunk.t_s[-1]), sent_s
        athlete.drive.feed(chunk)
        events = athlete.buffer.take()
        await self._emit(athlete, events, sent_s)  # stored before the point moves on
        if stream_seq and any(ev.get("type") == "set" for ev in events):
            resume = athlete.drive.pipeline.resume_state()
            if resume is not None:
                await self._save_resume(athlete, stream_seq, seq, resume)

    def _new_athlete(self, p: int, payload: dict[str, Any], stream: dict[str, Any],
                     point: dict[str, Any] | None) -> AthleteState:
        name = str(payload.get("athlete", "athlete"))
        buffer = EventBuffer()
        config = stream_config(name, stream, self.live_hz)
        pipeline = Pipeline(config)
        last_seq = -1
        if point is not None and point.get("state") is not None:
            try:
                pipeline.restore(ResumeState.from_dict(point["state"]))
                last_seq = int(point["seq"])
            except (ValueError, KeyError, TypeError) as exc:
                # Cannot happen for points this code wrote; the stream's chunks before
                # the replay's start are gone, so carry on without the counters.
                log.error("worker %s: bad resume point of %s (%s)", self.worker_id,
                          stream["id"], exc)
                pipeline = Pipeline(config)
        return AthleteState(athlete=name, sensor=str(payload.get("sensor", "sensor")),
                            stream_id=str(stream["id"]), partition=p,
                            drive=Drive(pipeline, [buffer]), buffer=buffer,
                            last_seq=last_seq)

    # --- events -----------------------------------------------------------------------

    async def _emit(self, athlete: AthleteState, events: list[Event], sent_s: float) -> None:
        fresh = time.time() - sent_s < LIVE_FRESH_S
        for ev in events:
            kind = ev.get("type")
            if kind in DURABLE_KINDS:
                await self._durable(athlete, ev, sent_s)
            elif kind == "live" and fresh:
                payload = wrap_event(ev, athlete=athlete.athlete, sensor=athlete.sensor)
                await self.nc.publish(f"{self.base}.{token(athlete.athlete)}.live",
                                      encode(payload))

    async def _durable(self, athlete: AthleteState, event: Event, sent_s: float) -> None:
        """Store the event once (retrying through a node loss), then publish the stored
        copy to subscribers; JetStream answers a copy whose id it already holds as a
        duplicate, and a duplicate is not published again."""
        payload = encode(wrap_event(event, athlete=athlete.athlete, sensor=athlete.sensor))
        msg_id = event_msg_id(athlete.athlete, athlete.stream_id, event)
        headers = {"Nats-Msg-Id": msg_id, SENT_HEADER: f"{sent_s:.6f}"}
        kind = str(event["type"])
        retried = False
        while True:
            try:
                ack = await self.js.publish(event_subject(athlete.athlete, kind), payload,
                                            headers=dict(headers), timeout=2.0)
                break
            except Exception as exc:
                log.info("worker %s: event not stored yet (%s); retrying", self.worker_id,
                         type(exc).__name__)
                retried = True
                await asyncio.sleep(PUBLISH_RETRY_S)
        if ack.duplicate and not retried:
            self.duplicates += 1  # stored (and published) before: a replay's copy
            return
        # A duplicate after a failed try is most likely our own copy whose ack was lost.
        self.published += 1
        await self.nc.publish(f"{self.base}.{token(athlete.athlete)}.{kind}", payload,
                              headers=dict(headers))


def stream_config(athlete: str, stream: dict[str, Any], live_hz: float = 0.0) -> PipelineConfig:
    """The pipeline settings of an athlete stream (its ``stream`` descriptor): the same
    on every worker, so every worker derives the same event ids."""
    sid = str(stream["id"])
    return PipelineConfig(
        exercise=str(stream.get("exercise") or "auto"),
        rate_hz=float(stream.get("rate_hz") or 100.0), athlete=athlete,
        session_id=run_session_id(str(stream.get("session") or "session"), sid),
        side=stream.get("side"), target_tempo=stream.get("target_tempo"), live_hz=live_hz)


def _float(text: Any) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return 0.0
