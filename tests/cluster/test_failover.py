"""kill -9 a worker mid-set: its athletes resume on the others within 5 s, and every rep
of the uninterrupted run reaches subscribers exactly once (real nats-server cluster,
real worker and gateway processes)."""

from __future__ import annotations

import asyncio
import collections
import signal
import time
from pathlib import Path
from typing import Any

import nats

from eccentric.cluster.nats_cluster import LocalCluster
from eccentric.cluster.subjects import (
    DEFAULT_PARTITIONS,
    EVENTS_STREAM,
    partition_of,
    stream_id,
)
from eccentric.schemas import validator
from tests.cluster.harness import (
    Collector,
    leases,
    reference_events,
    reference_reps,
    resume_points,
    start_gateway,
    start_workers,
    stop,
    stream_leader,
    wait_for,
)
from tests.mqtt.subscriber import Collector as MqttCollector

PROBE_TOPIC = "eccentric/probe/ready"


def mqtt_probe(urls: list[str], mqtt: MqttCollector) -> bool:
    """Publish a probe on the NATS subject of PROBE_TOPIC; True once MQTT got one."""
    async def publish() -> None:
        nc = await nats.connect(servers=urls)
        await nc.publish(PROBE_TOPIC.replace("/", "."), b'{"type":"rep","id":"probe"}')
        await nc.flush()
        await nc.close()

    asyncio.run(publish())
    time.sleep(0.3)
    return any(m.topic == PROBE_TOPIC for m in mqtt.messages)


RECORDINGS = ["nordic_thigh_polar104", "ball_double_shank_movesense_fast",
              "nordic_thigh_witmotion"]
ATHLETES = 6
SPEED = 5.0  # ~60-75 s sessions in ~15 s


def test_kill9_worker_moves_its_athletes_and_no_rep_is_lost_or_doubled(
        cluster: LocalCluster, tmp_path: Path) -> None:
    run_id = "kill9"
    expected = reference_reps(RECORDINGS, ATHLETES, run_id)
    assert len(expected) >= 3 * ATHLETES  # the streams do have reps to lose
    workers = start_workers(cluster.urls, 3, tmp_path)
    collector = Collector(cluster.urls).start()
    gateway = None
    mqtt = None
    try:
        wait_for(lambda: set(asyncio.run(leases(cluster.urls)).values()) == set(workers),
                 20, "all three workers to hold partitions")
        # A dashboard's view: MQTT to the cluster's own listener, on the node that leads
        # the EVENTS stream (where nats-server's RePublish would not have reached it).
        leader = asyncio.run(stream_leader(cluster.urls, EVENTS_STREAM))
        node = next(n for n in cluster.nodes if n.name == leader)
        mqtt = MqttCollector(node.mqtt_port, "eccentric/#", client_id="dashboard-view")
        # The cluster sets up an MQTT session's subscription asynchronously: wait until
        # a probe published on NATS reaches the MQTT subscriber.
        wait_for(lambda: mqtt_probe(cluster.urls, mqtt), 30, "the MQTT subscription",
                 every_s=0.5)
        gateway = start_gateway(cluster.urls, RECORDINGS, tmp_path, athletes=ATHLETES,
                                speed=SPEED, run_id=run_id)
        # Mid-set: reps have been published, most of the session is still to come.
        wait_for(lambda: len(collector.reps()) >= ATHLETES, 30, "the first reps")
        owners = asyncio.run(leases(cluster.urls))
        # Mid-set for the victim too: a worker running an athlete who already has reps.
        started = {r.payload["athlete"] for r in collector.reps()}
        victim = collections.Counter(owners[partition_of(a, DEFAULT_PARTITIONS)]
                                     for a in started).most_common(1)[0][0]
        lost = {p for p, w in owners.items() if w == victim}
        workers[victim].send_signal(signal.SIGKILL)
        killed_s = time.time()
        workers[victim].wait()
        assert gateway.wait(60) == 0
        wait_for(lambda: {r.payload["id"] for r in collector.reps()} >= set(expected), 20,
                 "every expected rep")
        time.sleep(1.0)  # late duplicates, if any, would arrive now

        taken = {n["partition"]: n for n in collector.resumed()
                 if n["partition"] in lost and n["taken_s"] > killed_s}
        assert set(taken) == lost, f"partitions of {victim} not taken over: {lost - set(taken)}"
        assert all(n["worker"] != victim for n in taken.values())
        moved = [a for n in taken.values() for a in n["athletes"]]
        assert moved, "the killed worker had no athlete streams"
        resumed_s = {p: round(n["caught_up_s"] - killed_s, 2) for p, n in taken.items()}
        taken_after = {p: round(n["taken_s"] - killed_s, 2) for p, n in taken.items()}
        print(f"kill -9 {victim}: partitions taken after (s) {taken_after}, "
              f"caught up after {resumed_s}")
        assert max(resumed_s.values()) < 5.0, resumed_s

        ids = [r.payload["id"] for r in collector.reps()]
        counts = collections.Counter(ids)
        assert not [i for i, c in counts.items() if c > 1], "duplicates downstream"
        assert set(ids) == set(expected)
        # The MQTT subscriber saw the same: each rep once, in the shape of live's reps.
        def mqtt_reps() -> list[Any]:
            return [m for m in mqtt.messages if m.topic.endswith("/rep")]

        try:
            wait_for(lambda: len(mqtt_reps()) >= len(expected), 10, "the reps over MQTT")
        except AssertionError:
            got = {m.json()["id"] for m in mqtt_reps()}
            missing = sorted(set(expected) - got)
            raise AssertionError(f"{len(missing)} of {len(expected)} reps missing over MQTT "
                                 f"({mqtt.disconnects} disconnects): {missing[:10]}") from None
        time.sleep(0.5)
        over_mqtt = collections.Counter(m.json()["id"] for m in mqtt_reps())
        assert set(over_mqtt) == set(expected) and max(over_mqtt.values()) == 1
        assert {m.topic for m in mqtt_reps()} == {f"eccentric/{a}/rep"
                                                  for a in set(expected.values())}
        for m in mqtt_reps()[:5]:
            validator("rep.schema.json").validate(m.json())
        # Reps of a moved athlete came from both sides of the kill.
        moved_reps = [r for r in collector.reps() if r.payload["athlete"] in moved]
        assert any(r.wall_s < killed_s for r in moved_reps), "no moved rep before the kill"
        assert any(r.wall_s > killed_s for r in moved_reps), "no moved rep after the kill"
    finally:
        if mqtt is not None:
            mqtt.client.loop_stop()
            mqtt.client.disconnect()
        collector.close()
        stop([*(workers.values()), *([gateway] if gateway else [])])


# Sessions of three sets each (~270-300 s), so the kill comes after a closed set.
SET_RECORDINGS = ["nordic_thigh_metamotion_3sets", "ball_double_shank_movesense_3sets"]
SET_ATHLETES = 4
SET_SPEED = 10.0  # ~30 s
# What restarting the pipeline at a rest may move in a rep (see tests/cluster/test_resume.py).
TIME_TOL_S = 0.25
ANGLE_TOL_DEG = 3.0


def test_a_takeover_after_a_closed_set_replays_from_the_resume_point(
        cluster: LocalCluster, tmp_path: Path) -> None:
    run_id = "resume"
    expected = reference_events(SET_RECORDINGS, SET_ATHLETES, run_id)
    expected_reps = {i for i, ev in expected.items() if ev["type"] == "rep"}
    athletes = {f"a{i + 1:03d}" for i in range(SET_ATHLETES)}
    workers = start_workers(cluster.urls, 3, tmp_path)
    collector = Collector(cluster.urls).start()
    gateway = None
    try:
        wait_for(lambda: set(asyncio.run(leases(cluster.urls)).values()) == set(workers),
                 20, "all three workers to hold partitions")
        gateway = start_gateway(cluster.urls, SET_RECORDINGS, tmp_path,
                                athletes=SET_ATHLETES, speed=SET_SPEED, run_id=run_id)
        # Every athlete closed a set and its resume point is stored; the session goes on.
        # (The set event is stored before the point: seeing the set is not enough.)
        streams = {stream_id(a, run_id) for a in athletes}

        def every_point_after_a_set() -> bool:
            points = asyncio.run(resume_points(cluster.urls))
            return all(points.get(s, {}).get("state") is not None for s in streams)

        wait_for(lambda: {s.payload["athlete"] for s in collector.sets()} == athletes, 40,
                 "a closed set of every athlete")
        wait_for(every_point_after_a_set, 10, "every athlete's resume point", every_s=0.2)
        owners = asyncio.run(leases(cluster.urls))
        victim = collections.Counter(owners[partition_of(a, DEFAULT_PARTITIONS)]
                                     for a in athletes).most_common(1)[0][0]
        lost = {p for p, w in owners.items() if w == victim}
        workers[victim].send_signal(signal.SIGKILL)
        killed_s = time.time()
        workers[victim].wait()
        assert gateway.wait(60) == 0
        wait_for(lambda: {r.payload["id"] for r in collector.reps()} >= expected_reps, 20,
                 "every expected rep")
        time.sleep(1.0)  # late duplicates, if any, would arrive now

        taken = {n["partition"]: n for n in collector.resumed()
                 if n["partition"] in lost and n["taken_s"] > killed_s and n["athletes"]}
        moved = {a for n in taken.values() for a in n["athletes"]}
        assert moved, f"{victim} had no athlete streams"
        resumed_s = {p: round(n["caught_up_s"] - killed_s, 2) for p, n in taken.items()}
        print(f"kill -9 {victim} after a closed set: caught up after (s) {resumed_s}, "
              f"replayed {[(n['start_seq'], n['replayed']) for n in taken.values()]}")
        assert max(resumed_s.values()) < 5.0, resumed_s
        # Not from the start of the stream: from the resume point of a closed set.
        assert all(n["start_seq"] > 1 for n in taken.values()), taken

        ids = collections.Counter(r.payload["id"] for r in collector.reps())
        assert set(ids) == expected_reps and max(ids.values()) == 1
        sets = collections.Counter(s.payload["id"] for s in collector.sets())
        assert set(sets) == {i for i, ev in expected.items() if ev["type"] == "set"}
        assert max(sets.values()) == 1
        after = [r.payload for r in collector.reps()
                 if r.payload["athlete"] in moved and r.wall_s > killed_s + 0.5]
        assert after, "no rep of a moved athlete after the takeover"
        for rep in after:
            want = expected[rep["id"]]
            assert (rep["rep"], rep["set"]) == (want["rep"], want["set"])
            for key, tol in (("start_s", TIME_TOL_S), ("end_s", TIME_TOL_S),
                             ("eccentric_s", TIME_TOL_S), ("concentric_s", TIME_TOL_S),
                             ("rom_deg", ANGLE_TOL_DEG)):
                if isinstance(want.get(key), float):
                    assert abs(rep[key] - want[key]) <= tol, (rep["id"], key)
    finally:
        collector.close()
        stop([*(workers.values()), *([gateway] if gateway else [])])
