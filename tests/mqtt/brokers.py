"""Brokers for tests: a real Mosquitto 2.x process, and the embedded amqtt broker."""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from eccentric.mqtt.broker import free_port

MOSQUITTO_CANDIDATES = ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto")


def mosquitto_binary() -> str:
    """The mosquitto executable. Missing is an error, not a skip: CI installs it."""
    for candidate in (*MOSQUITTO_CANDIDATES, shutil.which("mosquitto")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError(
        "mosquitto is not installed (apt-get install -y mosquitto); the MQTT integration "
        "tests need a real Mosquitto 2.x broker")


def wait_port(port: int, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout_s} s")


class Mosquitto:
    """A Mosquitto on free loopback ports with its own config in ``workdir``.

    ``persistence`` keeps retained messages and persistent sessions across a SIGKILL:
    the database is saved after every change (autosave_on_changes with interval 1).
    """

    def __init__(self, workdir: Path, *, persistence: bool = True,
                 custom: Callable[[int], list[str]] | None = None) -> None:
        """``custom(port)`` replaces the listener and access lines (one listener)."""
        self.binary = mosquitto_binary()
        self.workdir = workdir
        self.port = free_port()
        self.ws_port = free_port()
        self.persistence = persistence
        self.proc: subprocess.Popen[bytes] | None = None
        self.conf = workdir / "mosquitto.conf"
        lines = [
            # As root, mosquitto would switch to user "mosquitto", which cannot write the
            # private tmp dir; keep the current user (ignored when not root).
            f"user {getpass.getuser()}",
            f"listener {self.port} 127.0.0.1",
            "protocol mqtt",
            f"listener {self.ws_port} 127.0.0.1",
            "protocol websockets",
            "allow_anonymous true",
            f"log_dest file {workdir / 'mosquitto.log'}",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "max_queued_messages 10000",
        ]
        if custom is not None:
            lines = [f"user {getpass.getuser()}", f"log_dest file {workdir / 'mosquitto.log'}",
                     *custom(self.port)]
            self.ws_port = self.port
        if persistence:
            lines += ["persistence true", f"persistence_location {workdir}/",
                      "autosave_interval 1", "autosave_on_changes true"]
        self.conf.write_text("\n".join(lines) + "\n")

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.ws_port}/mqtt"

    def start(self) -> Mosquitto:
        assert self.proc is None or self.proc.poll() is not None
        self.proc = subprocess.Popen([self.binary, "-c", str(self.conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_port(self.port)
            wait_port(self.ws_port)
        except TimeoutError:
            self.kill()
            log = (self.workdir / "mosquitto.log")
            raise RuntimeError("mosquitto did not start: "
                               + (log.read_text() if log.exists() else "")) from None
        return self

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, no final save."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
