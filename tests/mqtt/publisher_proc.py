"""A publisher in its own process, driven line by line on stdin, so tests can SIGKILL it.

    python -m tests.mqtt.publisher_proc URL QUEUE CLIENT_ID
    stdin:  "rep N" | "set N REPS" | "close"
    stdout: "ready", "queued N" after each event is on disk, "closed"
"""

from __future__ import annotations

import sys

from eccentric.mqtt.config import MqttConfig
from eccentric.mqtt.sink import MqttSink
from tests.mqtt.events import rep, set_summary


def main(argv: list[str]) -> int:
    url, queue, client_id = argv
    config = MqttConfig(broker=url, queue_path=queue, client_id=client_id,
                        reconnect_min_s=0.1, reconnect_max_s=0.5, keepalive_s=5,
                        connack_timeout_s=2.0)
    sink = MqttSink(config, athlete="anna", sensor="mw1")
    print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "rep":
            sink.publish_event(rep(int(words[1])))
            print(f"queued {words[1]}", flush=True)
        elif words[0] == "set":
            sink.publish_event(set_summary(int(words[1]), int(words[2])))
            print(f"queued set {words[1]}", flush=True)
        elif words[0] == "close":
            sink.close(drain_timeout_s=10.0)
            print("closed", flush=True)
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
