"""Test harness: a private D-Bus, the emulated BlueZ, and ``eccentric`` subprocesses.

Everything runs on a private bus (``DBUS_SYSTEM_BUS_ADDRESS``); nothing needs a radio.
A missing dbus-daemon fails the tests (CI installs it), it never skips them.
"""

from __future__ import annotations

import contextlib
import io
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eccentric.sim.bluez.bus import PrivateBus
from eccentric.sim.bluez.short_sets import short_set
from eccentric.sim.recording import SimulatedRecording, write_recording

REPO = Path(__file__).resolve().parents[2]
ECCENTRIC = [sys.executable, "-m", "eccentric"]


@dataclass
class Device:
    kind: str
    name: str
    address: str
    recording: Path | None = None
    faults: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    rssi: int = -60

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "address": self.address,
                "rssi": self.rssi, "recording": str(self.recording) if self.recording else None,
                "faults": self.faults, "options": self.options}


def make_recording(tmp: Path, sensor: str, **kwargs: Any) -> tuple[Path, SimulatedRecording]:
    session = short_set(sensor, **kwargs)
    path = tmp / f"{sensor}-{kwargs.get('seed', 3)}.jsonl"
    write_recording(path, session)
    return path, session


class Emulator:
    """``python -m eccentric.sim.bluez`` on a private bus, with its event log."""

    def __init__(self, bus: PrivateBus, workdir: Path, devices: list[Device],
                 others: list[dict[str, Any]] | None = None) -> None:
        self.bus = bus
        self.scenario = workdir / "scenario.json"
        self.log = workdir / "emulator.jsonl"
        self.scenario.write_text(json.dumps({"devices": [d.as_dict() for d in devices],
                                             "others": others or []}))
        self.proc: subprocess.Popen[str] | None = None

    def start(self, timeout_s: float = 30.0) -> Emulator:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "eccentric.sim.bluez", str(self.scenario),
             "--log", str(self.log)], env=self.bus.env(), stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout_s
        line = ""
        while time.monotonic() < deadline and self.proc.poll() is None:
            line = self.proc.stdout.readline().strip()
            if line == "ready":
                return self
        self.stop()
        raise RuntimeError(f"emulator did not start (last output {line!r})")

    def events(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(x) for x in self.log.read_text().splitlines() if x.strip()]

    def wait_for(self, predicate: Callable[[list[dict[str, Any]]], bool],
                 timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if predicate(self.events()):
                return True
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(10)
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self.proc = None


@contextmanager
def emulated(workdir: Path, devices: list[Device],
             others: list[dict[str, Any]] | None = None) -> Iterator[Emulator]:
    with PrivateBus() as bus:
        emu = Emulator(bus, workdir, devices, others).start()
        try:
            yield emu
        finally:
            emu.stop()


def eccentric(emu: Emulator, *args: str,
              timeout_s: float = 60.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ECCENTRIC, *args], env=emu.bus.env(), capture_output=True,
                          text=True, timeout=timeout_s, cwd=REPO)


@dataclass
class LiveRun:
    rc: int
    stdout: str
    stderr: str
    wall_s: float

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(x) for x in self.stdout.splitlines() if x.startswith("{")]


def live_until(emu: Emulator, args: list[str], done: Callable[[list[dict[str, Any]]], bool],
               timeout_s: float, *, grace_s: float = 0.5, sigint: bool = True) -> LiveRun:
    """Run ``eccentric live``; once ``done(emulator events)`` holds, press Ctrl-C.

    Output goes to files, not pipes: an unread pipe fills up and blocks the process.
    """
    t0 = time.monotonic()
    out_path, err_path = emu.scenario.with_suffix(".out"), emu.scenario.with_suffix(".err")
    with out_path.open("w") as out, err_path.open("w") as err:
        proc = subprocess.Popen([*ECCENTRIC, "live", *args], env=emu.bus.env(), cwd=REPO,
                                stdout=out, stderr=err, text=True)
        try:
            deadline = time.monotonic() + timeout_s
            while proc.poll() is None and time.monotonic() < deadline:
                if done(emu.events()):
                    time.sleep(grace_s)
                    break
                time.sleep(0.1)
            if proc.poll() is None and sigint:
                proc.send_signal(signal.SIGINT)
            proc.wait(30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    return LiveRun(proc.returncode, out_path.read_text(), err_path.read_text(),
                   time.monotonic() - t0)


def playback_done(names: list[str]) -> Callable[[list[dict[str, Any]]], bool]:
    def done(events: list[dict[str, Any]]) -> bool:
        finished = {e.get("device") for e in events if e.get("event") == "playback_done"}
        return set(names) <= finished
    return done


def pipeline_events(events: list[dict[str, Any]], athlete: str | None = None
                    ) -> list[dict[str, Any]]:
    """Rep/set/nonrep/status events of one athlete, without the terminal's athlete tag."""
    out = []
    for e in events:
        if e.get("type") not in ("rep", "set", "nonrep", "status"):
            continue
        if athlete is not None and e.get("athlete") != athlete:
            continue
        out.append({k: v for k, v in e.items() if k != "athlete"})
    return out


def replay(path: Path, *extra: str) -> list[dict[str, Any]]:
    """``eccentric replay PATH --json`` in this process (a subprocess costs ~1 s)."""
    from eccentric.app.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(["replay", str(path), "--json", *extra])
    assert rc == 0
    return [json.loads(x) for x in buf.getvalue().splitlines() if x.startswith("{")]
