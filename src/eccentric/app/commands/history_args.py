"""``--history`` for the commands that run sessions (live, replay, demo), and ``--db`` for
the commands that read the history (history, report).

``live`` records into the per-user history by default (``$ECCENTRIC_HISTORY``, else
``$XDG_DATA_HOME/eccentric/history.sqlite``); ``replay`` and ``demo`` only when asked
(``--history`` alone: the per-user file), so analysing recordings or watching the demo
never fills an athlete's history with simulated sessions. ``--history off`` (or
``ECCENTRIC_HISTORY=off``) turns it off.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eccentric.core.events import Event
    from eccentric.history.sink import HistorySink
    from eccentric.session.pipeline import PipelineConfig
    from eccentric.session.sink import Sink

DEFAULT = "default"


def add_history_argument(p: argparse.ArgumentParser, *, on_by_default: bool) -> None:
    if on_by_default:
        p.add_argument("--history", default=DEFAULT, metavar="DB|off",
                       help="keep reps and sets in this history database (default: "
                            "$ECCENTRIC_HISTORY or ~/.local/share/eccentric/history.sqlite; "
                            "off: none)")
    else:
        p.add_argument("--history", nargs="?", const=DEFAULT, default=None, metavar="DB",
                       help="also keep reps and sets in a history database (alone: "
                            "$ECCENTRIC_HISTORY or ~/.local/share/eccentric/history.sqlite)")


def add_db_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, default=None, metavar="DB",
                   help="history database (default: $ECCENTRIC_HISTORY or "
                        "~/.local/share/eccentric/history.sqlite)")


def history_path(value: str | None) -> Path | None:
    """The file a ``--history`` value names, or None for no history."""
    from eccentric.history.store import OFF, default_path

    if value is None or value == OFF:
        return None
    return default_path() if value == DEFAULT else Path(value).expanduser()


def db_path(args: argparse.Namespace) -> Path:
    """The database a reading command uses (``--db`` or the per-user default)."""
    from eccentric.history.store import ENV_VAR, HistoryError, default_path

    if args.db is not None:
        return Path(args.db)
    path = default_path()
    if path is None:
        raise HistoryError(f"no history database: {ENV_VAR} is off; give --db FILE")
    return path


def open_history(args: argparse.Namespace, config: PipelineConfig, *, command: str,
                 sensor: str | None, source: str | None) -> HistorySink | None:
    """The history sink for one session, or None (no history asked for, or the file is
    unusable: then one warning naming it, and the session goes on without it)."""
    from eccentric.history.sink import HistorySink
    from eccentric.history.store import HistoryError

    path = history_path(getattr(args, "history", None))
    if path is None:
        return None

    def warn(message: str) -> None:
        print(f"eccentric {command}: warning: {message}", file=sys.stderr)

    try:
        return HistorySink(path, session_id=config.session_id, athlete=config.athlete,
                           exercise=config.exercise, sensor=sensor, source=source,
                           target_tempo=config.target_tempo, warn=warn)
    except HistoryError as exc:
        warn(f"{exc}; going on without history")
        return None


class WithoutLive:
    """A sink minus the ``live`` samples: the pipeline makes them for the history's rep
    curves only, so the terminal or JSON output stays as it was without history. Every
    other event type (present or future) passes."""

    def __init__(self, inner: Sink) -> None:
        self.inner = inner

    def publish_event(self, event: Event) -> None:
        if event.get("type") != "live":
            self.inner.publish_event(event)

    def close(self) -> None:
        self.inner.close()
