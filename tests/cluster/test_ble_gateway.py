"""The gateway's BLE source, end to end with the real bleak against the emulated BlueZ:
a simulated set streamed by an emulated Movesense -> gateway -> JetStream -> a worker ->
the same reps as replaying the session."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eccentric.cluster.nats_cluster import LocalCluster
from eccentric.schemas import validator
from tests.ble.emulated import REPO, Device, emulated, make_recording, playback_done, replay
from tests.cluster.harness import Collector, leases, start_workers, stop, stream_seqs, wait_for

EXERCISE = "ball_leg_curl"
ADDRESS = "0C:8C:DC:00:00:03"


def test_ble_gateway_streams_a_set_that_a_worker_counts(cluster: LocalCluster,
                                                        tmp_path: Path) -> None:
    recording, _ = make_recording(tmp_path, "movesense")
    workers = start_workers(cluster.urls, 1, tmp_path)
    collector = Collector(cluster.urls, ("eccentric.*.rep", "eccentric.*.status")).start()
    try:
        wait_for(lambda: set(asyncio.run(leases(cluster.urls)).values()) == {"w0"}, 20,
                 "the worker to hold partitions")
        with emulated(tmp_path, [Device("movesense", "Movesense 220330000123", ADDRESS,
                                        recording)]) as emu:
            log = (tmp_path / "gateway.log").open("w")
            gateway = subprocess.Popen(
                [sys.executable, "-m", "eccentric", "gateway", "--nats", ",".join(cluster.urls),
                 "--spool", str(tmp_path / "gw.spool"), "--device", f"{ADDRESS},athlete=cy",
                 "--exercise", EXERCISE, "--run-id", "ble1", "--scan-timeout", "5"],
                env=emu.bus.env(), cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
            try:
                assert emu.wait_for(playback_done(["Movesense 220330000123"]), 60)
                time.sleep(0.5)
                gateway.send_signal(signal.SIGINT)
                assert gateway.wait(30) == 0, (tmp_path / "gateway.log").read_text()
            finally:
                if gateway.poll() is None:
                    gateway.kill()
        ref = [e for e in replay(recording, "--exercise", EXERCISE) if e["type"] == "rep"]
        assert len(ref) == 2
        wait_for(lambda: len(collector.reps()) >= len(ref), 20, "the worker's reps")
        got = sorted((r.payload for r in collector.reps()), key=lambda e: e["end_s"])
        assert len(got) == len(ref)
        for g, want in zip(got, ref, strict=True):
            assert g["athlete"] == "cy" and g["id"].split("@")[1].startswith("cy-ble1:")
            assert (g["set"], g["rep_in_set"]) == (want["set"], want["rep_in_set"])
            for key in ("start_s", "end_s", "eccentric_s", "concentric_s"):
                assert g[key] == pytest.approx(want[key], abs=0.021), key
        # The worker's status messages while the set streamed: live's shape.
        status = [r.payload for r in collector.got if r.subject == "eccentric.cy.status"]
        assert status and all(s["sensor_connected"] for s in status)
        for s in status:
            validator("status.schema.json").validate(s)
        assert status[-1]["exercise"] == EXERCISE and status[-1]["sample_rate_hz"] > 0
        seqs = asyncio.run(stream_seqs(cluster.urls))["cy"]
        assert seqs == list(range(len(seqs))) and len(seqs) > 10
    finally:
        collector.close()
        stop(workers.values())
