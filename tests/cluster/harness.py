"""Real processes for the cluster tests: nats-server nodes, workers, a gateway, and a
subscriber that records what reaches the re-published event subjects."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eccentric.cluster.gateway import recording_stream
from eccentric.cluster.subjects import RESUMED_SUBJECT, stream_id
from eccentric.cluster.worker import stream_config
from eccentric.session.pipeline import run

ROOT = Path(__file__).resolve().parents[2]
RECORDINGS = ROOT / "recordings"
SRC = ROOT / "src"


def eccentric(*args: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.Popen([sys.executable, "-m", "eccentric", "-v", *args], env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


def start_workers(urls: list[str], n: int, tmp: Path) -> dict[str, subprocess.Popen[bytes]]:
    joined = ",".join(urls)
    return {f"w{i}": eccentric("worker", "--nats", joined, "--id", f"w{i}",
                               log=tmp / f"w{i}.log") for i in range(n)}


def start_gateway(urls: list[str], recordings: list[str], tmp: Path, *, athletes: int,
                  speed: float, run_id: str) -> subprocess.Popen[bytes]:
    paths = [str(RECORDINGS / f"{r}.jsonl.gz") for r in recordings]
    return eccentric("gateway", "--nats", ",".join(urls), "--spool", str(tmp / "gw.spool"),
                     "--replay", *paths, "--athletes", str(athletes), "--speed", str(speed),
                     "--run-id", run_id, log=tmp / "gateway.log")


def stop(procs: Iterable[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def reference_reps(recordings: list[str], athletes: int, run_id: str) -> dict[str, str]:
    """rep id -> athlete, from one uninterrupted offline run of every athlete stream
    (the same chunks the gateway sends): what the cluster must publish, exactly once."""
    return {i: str(ev["athlete"]) for i, ev in
            reference_events(recordings, athletes, run_id).items() if ev["type"] == "rep"}


def reference_events(recordings: list[str], athletes: int,
                     run_id: str) -> dict[str, dict[str, Any]]:
    """event id -> rep or set event (with ``athlete``) of the uninterrupted offline run."""
    out: dict[str, dict[str, Any]] = {}
    for i in range(athletes):
        name = f"a{i + 1:03d}"
        stream = recording_stream(RECORDINGS / f"{recordings[i % len(recordings)]}.jsonl.gz",
                                  name)
        stream.stream_id = stream_id(name, run_id)
        for ev in run(stream.chunks, stream_config(name, stream.descriptor())):
            if ev["type"] in ("rep", "set"):
                out[str(ev["id"])] = {**ev, "athlete": name}
    return out


@dataclass
class Received:
    subject: str
    payload: dict[str, Any]
    wall_s: float
    headers: dict[str, str] = field(default_factory=dict)


class Collector:
    """Subscribes (core NATS, any node) to rep and set subjects and worker notices, in a
    thread of its own."""

    def __init__(self, urls: list[str], subjects: tuple[str, ...] = (
            "eccentric.*.rep", "eccentric.*.set", RESUMED_SUBJECT)) -> None:
        self.urls = urls
        self.subjects = subjects
        self.got: list[Received] = []
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    def start(self) -> Collector:
        self._thread.start()
        assert self._ready.wait(20), "collector did not connect"
        return self

    async def _main(self) -> None:
        import nats

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        nc = await nats.connect(servers=self.urls, max_reconnect_attempts=-1,
                                reconnect_time_wait=0.2)

        async def cb(msg: Any) -> None:
            self.got.append(Received(msg.subject, json.loads(msg.data), time.time(),
                                     dict(msg.headers or {})))

        for s in self.subjects:
            await nc.subscribe(s, cb=cb)
        await nc.flush()
        self._ready.set()
        await self._stop.wait()
        await nc.close()

    def close(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def reps(self) -> list[Received]:
        return [r for r in self.got if r.subject.endswith(".rep")]

    def sets(self) -> list[Received]:
        return [r for r in self.got if r.subject.endswith(".set")]

    def resumed(self) -> list[dict[str, Any]]:
        return [r.payload for r in self.got if r.subject == RESUMED_SUBJECT]


async def kv_entries(urls: list[str], bucket: str) -> dict[str, bytes]:
    """key -> value of every entry of a key-value bucket now (empty: no bucket yet)."""
    import nats

    nc = await nats.connect(servers=urls)
    try:
        try:
            kv = await nc.jetstream().key_value(bucket)
            keys = await kv.keys()
        except Exception:  # no bucket yet, or no entry in it
            return {}
        out = {}
        for k in keys:
            try:
                entry = await kv.get(k)
            except Exception:  # gone since the listing
                continue
            out[k] = entry.value or b""
        return out
    finally:
        await nc.close()


async def leases(urls: list[str]) -> dict[int, str]:
    """partition -> worker id, as the lease bucket says now."""
    from eccentric.cluster.subjects import LEASE_BUCKET

    return {int(k[1:]): v.decode() for k, v in (await kv_entries(urls, LEASE_BUCKET)).items()}


async def stream_leader(urls: list[str], stream: str) -> str:
    """The server name of ``stream``'s leader."""
    import nats

    nc = await nats.connect(servers=urls)
    try:
        info = await nc.jetstream().stream_info(stream)
        return str(info.cluster.leader)
    finally:
        await nc.close()


async def resume_points(urls: list[str]) -> dict[str, dict[str, Any]]:
    """stream id -> its stored resume point (``state`` is None before a closed set)."""
    from eccentric.cluster.subjects import RESUME_BUCKET

    points = [json.loads(v) for v in (await kv_entries(urls, RESUME_BUCKET)).values() if v]
    return {str(p["stream"]): p for p in points}


def wait_for(predicate: Any, timeout_s: float, what: str, every_s: float = 0.1) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every_s)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


class CuttableProxy:
    """A TCP relay from a free loopback port to ``target_port`` that can be cut (every
    connection closed, new ones refused) and restored: a gateway losing its network."""

    def __init__(self, target_port: int) -> None:
        from eccentric.mqtt.broker import free_port

        self.port = free_port()
        self.target_port = target_port
        self.cut_now = False
        self._conns: set[asyncio.StreamWriter] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> CuttableProxy:
        self._thread.start()
        assert self._ready.wait(5)
        return self

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        server = loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", self.port))
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            server.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.cut_now:
            writer.close()
            return
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self._conns.update((writer, up_w))

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    if self.cut_now:
                        break
                    dst.write(data)
                    await dst.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pump(reader, up_w), pump(up_r, writer))
        self._conns.difference_update((writer, up_w))

    def cut(self) -> None:
        def close_all() -> None:
            self.cut_now = True
            for w in list(self._conns):
                w.transport.abort()
        assert self._loop is not None
        self._loop.call_soon_threadsafe(close_all)

    def restore(self) -> None:
        self.cut_now = False

    def close(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


async def stream_seqs(urls: list[str], attempts: int = 5) -> dict[str, list[int]]:
    """athlete -> the ``seq`` of its chunks in the order the IMU stream stored them
    (retried: a cluster that just lost a node may take a few seconds to answer)."""
    for _ in range(attempts - 1):
        try:
            return await _stream_seqs(urls)
        except Exception:
            await asyncio.sleep(1.0)
    return await _stream_seqs(urls)


async def _stream_seqs(urls: list[str]) -> dict[str, list[int]]:
    import nats
    from nats.js.api import DeliverPolicy

    nc = await nats.connect(servers=urls)
    out: dict[str, list[int]] = {}
    try:
        js = nc.jetstream(timeout=10)
        info = await js.stream_info("IMU")
        total = info.state.messages
        sub = await js.subscribe("imu.>", ordered_consumer=True,
                                 deliver_policy=DeliverPolicy.ALL)
        for _ in range(total):
            msg = await sub.next_msg(timeout=10)
            if msg.data:
                payload = json.loads(msg.data)
                out.setdefault(payload["athlete"], []).append(int(payload["seq"]))
        await sub.unsubscribe()
    finally:
        await nc.close()
    return out


def expected_chunks(recordings: list[str], athletes: int) -> dict[str, int]:
    return {f"a{i + 1:03d}": sum(1 for _ in recording_stream(
        RECORDINGS / f"{recordings[i % len(recordings)]}.jsonl.gz", "x").chunks)
        for i in range(athletes)}
