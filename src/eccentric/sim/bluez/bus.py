"""A private D-Bus daemon for the emulated BlueZ (tests, benchmarks, demos).

Nothing touches the machine's system bus: clients reach this one through
``DBUS_SYSTEM_BUS_ADDRESS``, which dbus-fast (and so bleak) reads.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from eccentric.core.errors import EccentricError

CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="signal"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
  </policy>
</busconfig>
"""


def dbus_daemon() -> str:
    """The dbus-daemon binary. Missing is an error (apt-get install dbus), never a skip."""
    found = shutil.which("dbus-daemon") or next(
        (p for p in ("/usr/bin/dbus-daemon", "/bin/dbus-daemon") if os.access(p, os.X_OK)),
        None)
    if not found:
        raise EccentricError("dbus-daemon is not installed (Debian/Ubuntu: apt-get install "
                             "dbus); the emulated BlueZ needs a private D-Bus")
    return found


class PrivateBus:
    """``with PrivateBus() as bus:`` → ``bus.address`` for DBUS_SYSTEM_BUS_ADDRESS."""

    def __init__(self, workdir: Path | None = None) -> None:
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="eccentric-dbus-")
        self.dir = workdir or Path(self._tmp.name)  # type: ignore[union-attr]
        self.socket = self.dir / "bus.sock"
        self.address = f"unix:path={self.socket}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 10.0) -> PrivateBus:
        conf = self.dir / "bus.conf"
        conf.write_text(CONFIG.format(socket=self.socket))
        self.proc = subprocess.Popen(
            [dbus_daemon(), f"--config-file={conf}", "--nofork", "--nopidfile"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while not self.socket.exists():
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise EccentricError(f"dbus-daemon exited: {err.strip()}")
            if time.monotonic() > deadline:
                self.stop()
                raise EccentricError(f"dbus-daemon did not listen within {timeout_s} s")
            time.sleep(0.01)
        return self

    def env(self) -> dict[str, str]:
        """The current environment pointed at this bus."""
        return {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": self.address}

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc is not None and self.proc.stderr is not None:
            self.proc.stderr.close()
        self.proc = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> PrivateBus:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
