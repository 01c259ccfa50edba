"""Open any supported input as (metadata, chunk stream): recordings or plain CSV."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from eccentric.io.recording_format import RecordingHeader

if TYPE_CHECKING:  # numpy loads once a file opens: a missing CSV file is reported fast
    from eccentric.core.chunk import ImuChunk
    from eccentric.core.timing import InputStats
    from eccentric.io.csv_import import CsvStream
    from eccentric.io.recording_reader import RecordingReader

# Chunk length when nothing waits on wall-clock pacing (count, evaluate, replay at max
# speed). Events are identical for any chunking; longer chunks only cut overhead.
FAST_CHUNK_S = 5.0


@dataclass
class OpenedSource:
    """``stats``: rows the file reader read and dropped (the pipeline's TimelineGuard
    counts what it drops after that); ``reader``: what reports progress in bytes."""

    header: RecordingHeader
    chunks: Iterator[ImuChunk]
    stats: InputStats
    reader: RecordingReader | CsvStream

    def progress(self) -> tuple[int, int]:
        """(bytes read, file size) so far."""
        return self.reader.position_bytes, self.reader.size_bytes

    def close(self) -> None:
        """Close the file when the chunks will not be read to their end."""
        self.reader.close()


def is_recording(path: Path) -> bool:
    return path.name.endswith((".jsonl", ".jsonl.gz"))


def open_source(path: str | Path, *, rate_hz: float | None = None,
                acc_unit: str | None = None, gyro_unit: str | None = None,
                chunk_s: float = 0.0) -> OpenedSource:
    """Recordings describe themselves; CSV needs the units (and rate without a t column).

    ``chunk_s`` > 0 asks for chunks of about that length (faster when pacing does not
    matter); 0 keeps the file's own chunking (≤ 1 s), as a paced replay wants.
    """
    p = Path(path)
    if is_recording(p):
        from eccentric.io.recording_reader import RecordingReader

        reader = RecordingReader(p)
        if isinstance(reader.header.sensor_info.get("ble"), dict):
            # A raw BLE capture: re-decode its notifications with the driver it names.
            from eccentric.ble.capture import capture_chunks

            # Samples are decoded from notifications here, not read as rows: count them.
            return OpenedSource(reader.header, _counted(capture_chunks(reader, merge_s=chunk_s),
                                                        reader.stats), reader.stats, reader)
        return OpenedSource(reader.header, reader.chunks(merge_s=chunk_s), reader.stats, reader)
    from eccentric.core.errors import InputFormatError

    if acc_unit is None or gyro_unit is None:
        raise InputFormatError(f"{p}: a CSV file needs --acc-unit and --gyro-unit")
    from eccentric.io.csv_import import CsvStream

    stream = CsvStream(p, rate_hz=rate_hz, acc_unit=acc_unit, gyro_unit=gyro_unit)
    header = RecordingHeader(sensor="csv", placement="unknown", rate_hz=stream.rate_hz)
    return OpenedSource(header, _pieces(stream.chunks(), chunk_s if chunk_s > 0 else 0.5),
                        stream.stats, stream)


def _counted(chunks: Iterator[ImuChunk], stats: InputStats) -> Iterator[ImuChunk]:
    for chunk in chunks:
        stats.rows += len(chunk)
        yield chunk


def _pieces(chunks: Iterator[ImuChunk], chunk_s: float) -> Iterator[ImuChunk]:
    """A CSV file's blocks (thousands of rows) cut to about ``chunk_s`` seconds each."""
    from eccentric.core.chunk import iter_chunks

    for chunk in chunks:
        yield from iter_chunks(chunk, chunk_s)


def session_id_for(path: Path) -> str:
    """Stable id from the file name, so replays of one file give identical event ids."""
    name = path.name
    for suffix in (".jsonl.gz", ".jsonl", ".csv"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name
