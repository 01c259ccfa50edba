"""The one loop from chunks to sinks: chunks → Pipeline → events → every sink.

Replays and the demo pull chunks from a file (``run_stream``), optionally paced to a factor
of real time; a live device pushes them as they are decoded (``Drive.feed``). Both
hand every chunk to the same ``Drive``, so what a sink sees cannot tell them apart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

import numpy as np

from eccentric.core.chunk import ImuChunk, iter_chunks
from eccentric.core.events import Event
from eccentric.session.pipeline import Pipeline
from eccentric.session.sink import Sink

EventHook = Callable[[Event], None]


class CommandIntake(Protocol):
    """Coach commands received meanwhile (e.g. over MQTT, on another thread), applied by
    the drive loop between two chunks so a command takes effect at one stream time."""

    def apply_pending(self, pipeline: Pipeline, t_s: float) -> list[Event]: ...


class Drive:
    """Feeds one pipeline and fans its events out to sinks (and an optional hook);
    ``commands`` are applied before each chunk, at the stream time reached so far."""

    def __init__(self, pipeline: Pipeline, sinks: Iterable[Sink] = (),
                 on_event: EventHook | None = None,
                 commands: CommandIntake | None = None) -> None:
        self.pipeline = pipeline
        self.sinks = list(sinks)
        self.on_event = on_event
        self.commands = commands

    def feed(self, chunk: ImuChunk) -> list[Event]:
        """Process one chunk; its events are already published when this returns."""
        events = self._commands(float(chunk.t_s[0]) if len(chunk) else None)
        return events + self.publish(self.pipeline.process(chunk))

    def finish(self) -> list[Event]:
        events = self._commands(None)
        return events + self.publish(self.pipeline.finish())

    def _commands(self, first_t_s: float | None) -> list[Event]:
        if self.commands is None:
            return []
        t_s = self.pipeline.last_t_s
        t_s = t_s if t_s is not None else first_t_s
        if t_s is None:
            return []  # no stream time yet: the commands wait for the first samples
        return self.publish(self.commands.apply_pending(self.pipeline, t_s))

    def publish(self, events: list[Event]) -> list[Event]:
        for ev in events:
            for s in self.sinks:
                s.publish_event(ev)
            if self.on_event is not None:
                self.on_event(ev)
        return events


class Pacer:
    """Holds each chunk back until its stream time is due at ``speed`` × real time.

    ``stop`` (optional) ends a wait at once, so Ctrl-C need not wait for the next chunk.
    """

    def __init__(self, speed: float, stop: threading.Event | None = None) -> None:
        self.speed = speed
        self.stop = stop
        self._wall0 = time.monotonic()
        self._t0: float | None = None

    def wait(self, chunk: ImuChunk) -> bool:
        """Sleep until ``chunk``'s last sample is due; False if stopped meanwhile."""
        if self._t0 is None:
            self._t0 = float(chunk.t_s[0])
        due = self._wall0 + (float(chunk.t_s[-1]) - self._t0) / self.speed
        delay = max(0.0, due - time.monotonic())
        if self.stop is not None:
            return not self.stop.wait(delay)
        if delay > 0:
            time.sleep(delay)
        return True


def run_stream(chunks: Iterable[ImuChunk], drive: Drive, *, speed: float | None = None,
          piece_s: float = 0.0, stop: threading.Event | None = None) -> bool:
    """Run a whole stream through ``drive``: as fast as possible (``speed`` None) or
    paced, in pieces of ``piece_s`` seconds when > 0 (a sensor delivers small pieces,
    so live events spread over time instead of leaving in one burst per file chunk;
    the events themselves do not depend on the piece size). Returns False when ``stop``
    ended it early (the stream is then not finished)."""
    pacer = Pacer(speed, stop) if speed is not None else None
    for chunk in _pieces(chunks, piece_s):
        if pacer is not None:
            if not pacer.wait(chunk):
                return False
        elif stop is not None and stop.is_set():
            return False
        drive.feed(chunk)
    drive.finish()
    return True


def cut_after(chunks: Iterable[ImuChunk], times_s: Iterable[float]) -> Iterator[ImuChunk]:
    """The same samples, with a piece ending at the first sample at or after each of
    ``times_s``: something applied between pieces (a scheduled command) then takes
    effect at that sample, however the stream was chunked."""
    pending = sorted(times_s)
    for chunk in chunks:
        while pending and len(chunk) and pending[0] <= float(chunk.t_s[-1]):
            k = int(np.searchsorted(chunk.t_s, pending.pop(0), side="left"))
            if k + 1 < len(chunk):
                yield chunk.slice(0, k + 1)
                chunk = chunk.slice(k + 1)
        if len(chunk):
            yield chunk


def _pieces(chunks: Iterable[ImuChunk], piece_s: float) -> Iterator[ImuChunk]:
    for chunk in chunks:
        if len(chunk) == 0:
            continue
        if piece_s > 0:
            yield from iter_chunks(chunk, piece_s)
        else:
            yield chunk
