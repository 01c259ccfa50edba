"""JSON Lines sink: one event per line, flushed as decided (pipe-friendly)."""

from __future__ import annotations

import json
from typing import TextIO

from eccentric.core.events import Event


class JsonLinesSink:
    def __init__(self, stream: TextIO, types: frozenset[str] | None = None) -> None:
        self.stream = stream
        self.types = types

    def publish_event(self, event: Event) -> None:
        if self.types is None or event["type"] in self.types:
            self.stream.write(json.dumps(event, separators=(",", ":")) + "\n")
            self.stream.flush()

    def close(self) -> None:
        self.stream.flush()
