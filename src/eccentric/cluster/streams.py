"""Creating the cluster's streams and buckets (idempotent: every process may call it)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from eccentric.cluster.subjects import (
    DURABLE_KINDS,
    EVENTS_STREAM,
    IMU_STREAM,
    LEASE_BUCKET,
    MEMBER_BUCKET,
    RESUME_BUCKET,
)

# A gateway re-sends after a broker outage of up to this long without duplicates (s).
IMU_DEDUPE_S = 600.0
# Workers re-deliver events when they replay an athlete; de-duplicated within this (s).
EVENT_DEDUPE_S = 4 * 3600.0
IMU_MAX_AGE_S = 12 * 3600.0
# A lease or a member entry not renewed for this long expires (s): failover time.
LEASE_TTL_S = 3.0


async def ensure_streams(js: Any, *, replicas: int = 3, timeout_s: float = 30.0) -> None:
    """IMU, EVENTS and the lease and member buckets. Retries while the cluster elects
    its meta leader (a few seconds after start-up)."""
    from nats.js.api import StorageType, StreamConfig

    imu = StreamConfig(name=IMU_STREAM, subjects=["imu.>"], storage=StorageType.FILE,
                       num_replicas=replicas, duplicate_window=IMU_DEDUPE_S,
                       max_age=IMU_MAX_AGE_S)
    events = StreamConfig(name=EVENTS_STREAM, subjects=[f"evt.*.{k}" for k in DURABLE_KINDS],
                          storage=StorageType.FILE, num_replicas=replicas,
                          duplicate_window=EVENT_DEDUPE_S, max_age=IMU_MAX_AGE_S)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            for config in (imu, events):
                try:
                    info = await js.stream_info(config.name)
                except Exception:  # not there yet: create it
                    await js.add_stream(config)
                    continue
                if getattr(info.config, "republish", None) is not None:
                    # Made by an older version that re-published on the server: the
                    # workers publish now, so that would deliver every event twice.
                    await js.update_stream(config)
            for bucket in (LEASE_BUCKET, MEMBER_BUCKET):
                await js.create_key_value(bucket=bucket, ttl=LEASE_TTL_S, replicas=replicas,
                                          history=1)
            # Resume points live as long as the IMU stream they point into.
            await js.create_key_value(bucket=RESUME_BUCKET, ttl=IMU_MAX_AGE_S,
                                      replicas=replicas, history=1)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)
