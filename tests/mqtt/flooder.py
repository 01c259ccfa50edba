"""Publish commands as fast as possible for a while (separate process, like an attacker
or a buggy dashboard would be).  python -m tests.mqtt.flooder PORT TOPIC SECONDS"""

from __future__ import annotations

import sys
import time

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

PAYLOADS = [b"{broken", b'{"command":"set_exercise","exercise":"nordic_curl"}',
            b'{"command":"jump"}']


def main(port: int, topic: str, seconds: float) -> int:
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="flooder")
    c.connect("127.0.0.1", port)
    c.loop_start()
    sent = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and sent < 200_000:
        c.publish(topic, PAYLOADS[sent % 3], qos=0)
        sent += 1
        if sent % 500 == 0:
            time.sleep(0.002)  # let paho's thread write
    c.disconnect()
    c.loop_stop()
    print(sent, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), sys.argv[2], float(sys.argv[3])))
