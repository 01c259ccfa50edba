from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from eccentric.cluster.nats_cluster import LocalCluster


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[LocalCluster]:
    """Three real nats-server nodes (JetStream, routes, MQTT) on free loopback ports."""
    c = LocalCluster(tmp_path / "nats").start()
    try:
        yield c
    finally:
        c.stop()
