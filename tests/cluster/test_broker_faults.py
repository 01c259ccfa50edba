"""Broker faults with real processes: one cluster node stopped mid-session loses
nothing; a gateway cut from the broker for 30 s delivers every chunk after reconnecting,
in order (and the workers still publish every rep exactly once)."""

from __future__ import annotations

import asyncio
import collections
import sqlite3
import time
from pathlib import Path

import nats

from eccentric.cluster.nats_cluster import LocalCluster
from tests.cluster.harness import (
    Collector,
    CuttableProxy,
    expected_chunks,
    leases,
    reference_reps,
    start_gateway,
    start_workers,
    stop,
    stream_seqs,
    wait_for,
)

RECORDINGS = ["nordic_thigh_polar104", "ball_double_shank_movesense_fast",
              "nordic_trunk_polar52"]
ATHLETES = 4


def check_all_delivered(collector: Collector, expected: dict[str, str],
                        urls: list[str], chunks: dict[str, int]) -> None:
    wait_for(lambda: {r.payload["id"] for r in collector.reps()} >= set(expected), 30,
             "every expected rep")
    time.sleep(1.0)
    ids = collections.Counter(r.payload["id"] for r in collector.reps())
    assert set(ids) == set(expected)
    assert max(ids.values()) == 1, "a rep was published twice"
    seqs = asyncio.run(stream_seqs(urls))
    for athlete, n in chunks.items():
        assert seqs[athlete] == list(range(n)), f"{athlete}: chunks lost or out of order"


async def imu_leader(urls: list[str]) -> str:
    nc = await nats.connect(servers=urls)
    try:
        info = await nc.jetstream().stream_info("IMU")
        assert info.cluster is not None and info.cluster.leader
        return str(info.cluster.leader)
    finally:
        await nc.close()


def test_stopping_the_stream_leader_node_loses_nothing(cluster: LocalCluster,
                                                      tmp_path: Path) -> None:
    run_id = "nodestop"
    expected = reference_reps(RECORDINGS, ATHLETES, run_id)
    chunks = expected_chunks(RECORDINGS, ATHLETES)
    workers = start_workers(cluster.urls, 3, tmp_path)
    collector = Collector(cluster.urls).start()
    gateway = None
    try:
        wait_for(lambda: set(asyncio.run(leases(cluster.urls)).values()) == set(workers),
                 20, "all three workers to hold partitions")
        gateway = start_gateway(cluster.urls, RECORDINGS, tmp_path, athletes=ATHLETES,
                                speed=5.0, run_id=run_id)
        wait_for(lambda: len(collector.reps()) >= ATHLETES, 30, "the first reps")
        leader = asyncio.run(imu_leader(cluster.urls))
        node = next(n for n in cluster.nodes if n.name == leader)
        node.stop()  # SIGTERM: the node with the IMU stream's leader goes away
        live = [n.url for n in cluster.nodes if n is not node]
        assert gateway.wait(90) == 0
        check_all_delivered(collector, expected, live, chunks)
        assert asyncio.run(imu_leader(live)) != leader
    finally:
        collector.close()
        stop([*(workers.values()), *([gateway] if gateway else [])])


def test_gateway_cut_from_the_broker_for_30_s_delivers_everything_in_order(
        cluster: LocalCluster, tmp_path: Path) -> None:
    run_id = "cut30"
    expected = reference_reps(RECORDINGS, ATHLETES, run_id)
    chunks = expected_chunks(RECORDINGS, ATHLETES)
    workers = start_workers(cluster.urls, 3, tmp_path)
    collector = Collector(cluster.urls).start()
    proxy = CuttableProxy(cluster.nodes[0].port).start()
    gateway = None
    try:
        wait_for(lambda: set(asyncio.run(leases(cluster.urls)).values()) == set(workers),
                 20, "all three workers to hold partitions")
        # Paced at 2x: a ~60 s session takes ~35 s, so the 30 s cut falls inside it.
        gateway = start_gateway([proxy.url], RECORDINGS, tmp_path, athletes=ATHLETES,
                                speed=2.0, run_id=run_id)
        wait_for(lambda: len(collector.reps()) >= 1, 30, "the first rep")
        proxy.cut()
        cut_s = time.monotonic()
        backlog = 0
        while time.monotonic() - cut_s < 30.0:
            time.sleep(1.0)
            with sqlite3.connect(tmp_path / "gw.spool") as db:
                backlog = max(backlog, db.execute("SELECT COUNT(*) FROM spool").fetchone()[0])
        reps_during_cut = len(collector.reps())
        proxy.restore()
        # 4 athletes x 10 chunks/s x 2 (pace) for ~30 s, less what the session had left.
        assert backlog > 300, f"the spool held only {backlog} chunks: was the link cut?"
        assert gateway.wait(90) == 0
        assert len(collector.reps()) > reps_during_cut
        check_all_delivered(collector, expected, cluster.urls, chunks)
    finally:
        proxy.close()
        collector.close()
        stop([*(workers.values()), *([gateway] if gateway else [])])


def test_a_gateway_started_while_the_broker_is_away_spools_and_delivers_in_order(
        cluster: LocalCluster, tmp_path: Path) -> None:
    proxy = CuttableProxy(cluster.nodes[0].port).start()
    proxy.cut()
    recordings = ["nordic_thigh_polar104"]
    chunks = expected_chunks(recordings, 2)
    gateway = start_gateway([proxy.url], recordings, tmp_path, athletes=2, speed=10.0,
                            run_id="late")
    try:
        time.sleep(4.0)
        assert gateway.poll() is None  # still producing into the spool
        with sqlite3.connect(tmp_path / "gw.spool") as db:
            assert db.execute("SELECT COUNT(*) FROM spool").fetchone()[0] > 50
        proxy.restore()
        assert gateway.wait(60) == 0
        seqs = asyncio.run(stream_seqs(cluster.urls))
        for athlete, n in chunks.items():
            assert seqs[athlete] == list(range(n)), athlete
    finally:
        stop([gateway])
        proxy.close()
