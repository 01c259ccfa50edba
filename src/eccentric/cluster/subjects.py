"""Names on the cluster: streams, subjects, buckets, message ids, and the partition of
an athlete. Pure functions, so gateway, worker and tests agree without talking.

    imu.<partition>.<athlete>     raw IMU chunks (stream IMU, file, R=3)
    evt.<athlete>.<kind>          rep | set | hold | bout events (stream EVENTS, R=3),
                                  re-published once stored as <base>.<athlete>.<kind>,
                                  which MQTT clients of the cluster see as
                                  <base>/<athlete>/<kind>, the topics of ``live``
    <base>.<athlete>.live         live gauge events (core NATS, not stored)
    eccentric-cluster.resumed     a worker caught up on a partition it took over
    bucket eccentric-resume       per athlete stream, key p<partition>.<stream id>:
                                  where a takeover may start its replay
"""

from __future__ import annotations

import re
import zlib

IMU_STREAM = "IMU"
EVENTS_STREAM = "EVENTS"
LEASE_BUCKET = "eccentric-leases"
MEMBER_BUCKET = "eccentric-workers"
# Per athlete stream: where a worker taking its partition over may start its replay.
RESUME_BUCKET = "eccentric-resume"
RESUMED_SUBJECT = "eccentric-cluster.resumed"
DEFAULT_PARTITIONS = 12
DEFAULT_BASE = "eccentric"
# Kinds kept in EVENTS and re-published: the durable MQTT topics of ``live``.
DURABLE_KINDS = ("rep", "set", "hold", "bout")
# A NATS subject token: no separators, wildcards or white space. MQTT topic levels map
# to tokens, so the athlete's MQTT segment rules apply too.
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
# Header of an IMU message: wall-clock time (Unix s) the gateway had the chunk. Workers
# copy it onto the events the chunk completed, for end-to-end latency.
SENT_HEADER = "Eccentric-Sent"
# Header of the message that ends an athlete stream (empty body).
END_HEADER = "Eccentric-End"


def token(text: str) -> str:
    """One subject token from a name (athlete, worker id)."""
    return _UNSAFE.sub("_", text.strip())[:64] or "unknown"


def partition_of(athlete: str, partitions: int) -> int:
    """A stable partition number for an athlete (CRC-32: same in every process)."""
    return zlib.crc32(token(athlete).encode()) % partitions


def imu_subject(athlete: str, partitions: int) -> str:
    return f"imu.{partition_of(athlete, partitions)}.{token(athlete)}"


def partition_filter(partition: int) -> str:
    return f"imu.{partition}.*"


def event_subject(athlete: str, kind: str) -> str:
    return f"evt.{token(athlete)}.{kind}"


def lease_key(partition: int) -> str:
    return f"p{partition}"


def resume_key(partition: int, stream_id: str) -> str:
    """The resume point's key of an athlete stream (listed per partition by prefix)."""
    return f"p{partition}.{token(stream_id)}"


def stream_id(athlete: str, run_id: str) -> str:
    """An athlete stream's id: stable for the stream, never per worker, so it can be the
    run id of the stream's event ids (``<session>@<stream id>:<set>:<rep>``)."""
    return f"{token(athlete)}-{token(run_id)}"[:32]


def chunk_msg_id(stream_id: str, seq: int) -> str:
    """JetStream de-duplicates a gateway's re-sends by this id."""
    return f"{stream_id}:{seq}"


def event_msg_id(athlete: str, stream_id: str, event: dict[str, object]) -> str:
    """Stable across workers: the event's own id (rep, set, hold, bout ids carry the
    stream id as run id), else kind and stream time."""
    eid = event.get("id")
    if isinstance(eid, str):
        return eid
    at = next((event[k] for k in ("decided_s", "t_s", "end_s", "start_s") if k in event), None)
    return f"{token(athlete)}:{stream_id}:{event.get('type')}:{at}"
