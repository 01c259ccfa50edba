"""The one method every sink offers."""

from __future__ import annotations

from typing import Protocol

from eccentric.core.events import Event


class Sink(Protocol):
    def publish_event(self, event: Event) -> None: ...

    def close(self) -> None: ...
