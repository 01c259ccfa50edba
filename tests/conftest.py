"""Fixtures shared by several test folders."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mqtt.brokers import Mosquitto

# ``eccentric live`` records into the per-user history by default: the tests (and every
# process they start, which inherits this) use a throw-away file, never the user's.
_HISTORY_DIR = tempfile.mkdtemp(prefix="eccentric-test-history-")
atexit.register(shutil.rmtree, _HISTORY_DIR, True)
os.environ["ECCENTRIC_HISTORY"] = str(Path(_HISTORY_DIR) / "history.sqlite")


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Mosquitto]:
    """A real Mosquitto broker on a free port, stopped after the test."""
    (tmp_path / "mosquitto").mkdir()
    broker = Mosquitto(tmp_path / "mosquitto").start()
    try:
        yield broker
    finally:
        broker.stop()
