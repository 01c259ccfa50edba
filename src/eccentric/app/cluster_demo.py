"""``./dev cluster``: the clustered split on one machine (docs/scale.md).

Starts a 3-node nats-server cluster on loopback (JetStream, MQTT and MQTT-over-WebSocket
listeners), 3 ``eccentric worker`` processes, one ``eccentric gateway`` replaying
recordings as N emulated athletes at real time (looped), and the dashboard on node 1's
WebSocket listener. Ctrl-C stops everything. Kill a worker (``kill -9 <pid>``, the pids
are printed) and watch its athletes carry on from another one.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from eccentric.app.demo.roster import RECORDINGS_DIR
from eccentric.cluster.nats_cluster import LocalCluster

DEFAULT_RECORDINGS = ("nordic_trunk_movesense_fatigue", "ball_double_shank_movesense_fast",
                      "nordic_thigh_polar104", "ball_single_right_shank_witmotion")


def _eccentric(*args: str, log: Path | None = None) -> subprocess.Popen[bytes]:
    out = log.open("ab") if log is not None else None
    return subprocess.Popen([sys.executable, "-m", "eccentric", *args], stdout=out,
                            stderr=subprocess.STDOUT if out else None, env=os.environ.copy())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="./dev cluster", description=__doc__.split("\n\n")[0])
    ap.add_argument("--athletes", type=int, default=6, metavar="N",
                    help="emulated athletes (default 6)")
    ap.add_argument("--workers", type=int, default=3, metavar="W", help="workers (default 3)")
    ap.add_argument("--http-port", default="8080", help="dashboard port (default 8080)")
    ap.add_argument("--dir", type=Path, default=None,
                    help="keep stores and logs here (default a temporary folder)")
    args = ap.parse_args(argv)
    root = args.dir or Path(tempfile.mkdtemp(prefix="eccentric-cluster-"))
    root.mkdir(parents=True, exist_ok=True)
    cluster = LocalCluster(root / "nats").start()
    urls = ",".join(cluster.urls)
    procs: list[subprocess.Popen[bytes]] = []
    stop = False

    def on_term(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_term)
    try:
        for i in range(args.workers):
            w = _eccentric("worker", "--nats", urls, "--id", f"w{i}", log=root / f"w{i}.log")
            procs.append(w)
            print(f"worker w{i}: pid {w.pid}, log {root / f'w{i}.log'}")
        dash = _eccentric("dashboard", "--broker", cluster.nodes[0].ws_url, "--port",
                          args.http_port, "--no-browser", log=root / "dashboard.log")
        procs.append(dash)
        print(f"cluster: {urls}; MQTT {', '.join(str(n.mqtt_port) for n in cluster.nodes)}; "
              f"dashboard http://127.0.0.1:{args.http_port}/ ({cluster.nodes[0].ws_url})")
        recs = [str(RECORDINGS_DIR / f"{r}.jsonl.gz") for r in DEFAULT_RECORDINGS]
        loop = 0
        while not stop:
            loop += 1
            gw = _eccentric("gateway", "--nats", urls, "--spool", str(root / "gateway.spool"),
                            "--replay", *recs, "--athletes", str(args.athletes),
                            "--run-id", f"loop{loop}", log=root / "gateway.log")
            print(f"gateway (round {loop}): pid {gw.pid}, {args.athletes} athletes")
            while gw.poll() is None and not stop:
                time.sleep(0.5)
            if gw.poll() is None:
                gw.terminate()
                gw.wait(10)
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        cluster.stop()
        print(f"stopped; logs in {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
