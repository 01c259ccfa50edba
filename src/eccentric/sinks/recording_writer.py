"""Write eccentric recordings, flushing every chunk so a crash loses at most ~1 s."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import numpy as np

from eccentric.chunk import ImuChunk
from eccentric.recording_format import RecordingHeader

# Decimals kept per quantity: well below any commodity sensor's resolution
# (1 µs, 1e-4 m/s² ≈ 10 µg, 1e-5 rad/s ≈ 0.0006 °/s) while keeping files small.
_T_DECIMALS = 6
_ACC_DECIMALS = 4
_GYRO_DECIMALS = 5
MAX_CHUNK_S = 1.0


def _rounded(values: np.ndarray, decimals: int) -> list[float]:
    out: list[float] = np.round(values.reshape(-1), decimals).tolist()
    return out


class RecordingWriter:
    """Append-only writer; ``.jsonl.gz`` paths are gzip-compressed."""

    def __init__(self, path: str | Path, header: RecordingHeader) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._gz: gzip.GzipFile | None = None
        self._fh: IO[bytes] | gzip.GzipFile
        if self.path.name.endswith(".gz"):
            # mtime=0 keeps the bytes identical for identical content (regenerable library).
            self._gz = gzip.GzipFile(self.path, "wb", compresslevel=6, mtime=0)
            self._fh = self._gz
        else:
            self._fh = self.path.open("wb")
        self._write(header.to_line())

    def _write(self, obj: dict[str, Any]) -> None:
        self._fh.write(json.dumps(obj, separators=(",", ":")).encode() + b"\n")
        if self._gz is not None:
            self._gz.flush(zlib.Z_SYNC_FLUSH)
        else:
            self._fh.flush()

    def write_chunk(self, chunk: ImuChunk) -> None:
        """Append samples, split so that no line spans more than ~1 s."""
        if len(chunk) == 0:
            return
        t = chunk.t_s
        start = 0
        while start < len(chunk):
            stop = int(np.searchsorted(t, t[start] + MAX_CHUNK_S, side="left"))
            stop = max(stop, start + 1)
            self._write({
                "kind": "imu",
                "t_s": _rounded(t[start:stop], _T_DECIMALS),
                "acc_mps2": _rounded(chunk.acc_mps2[start:stop], _ACC_DECIMALS),
                "gyro_rads": _rounded(chunk.gyro_rads[start:stop], _GYRO_DECIMALS),
            })
            start = stop

    def write_label(self, label: dict[str, Any]) -> None:
        self._write({"kind": "label", **label})

    def write_record(self, kind: str, payload: dict[str, Any]) -> None:
        """Append another kind of line (e.g. ``raw`` BLE notifications in a capture)."""
        self._write({"kind": kind, **payload})

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
