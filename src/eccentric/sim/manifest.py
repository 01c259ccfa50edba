"""Recording libraries as data: a manifest lists sessions; generating it is repeatable.

Manifest (JSON)::

    {"format": "eccentric-sim-manifest", "version": 1, "description": "...",
     "sessions": [{"name": "...", "exercise": "...", "seed": 1, "sensor": "...",
                   "placement": "...", "options": {...}, "why": "..."}]}

Each session becomes ``<out_dir>/<name>.jsonl.gz``. The same manifest and simulator
version give byte-identical files (seeded generators, gzip mtime 0).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eccentric.core.errors import EccentricError
from eccentric.sim.movement import check_exercise
from eccentric.sim.options import SessionOptions
from eccentric.sim.recording import simulate, write_recording

MANIFEST_FORMAT = "eccentric-sim-manifest"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


@dataclass(frozen=True)
class ManifestEntry:
    name: str
    exercise: str
    seed: int
    sensor: str
    placement: str
    options: SessionOptions

    @property
    def filename(self) -> str:
        return f"{self.name}.jsonl.gz"


def load_manifest(path: str | Path) -> list[ManifestEntry]:
    """Parse and validate a manifest; errors name the entry."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EccentricError(f"{p}: no such manifest") from None
    except json.JSONDecodeError as exc:
        raise EccentricError(f"{p}: not valid JSON: {exc.msg} (line {exc.lineno})") from exc
    if not isinstance(doc, dict) or doc.get("format") != MANIFEST_FORMAT:
        raise EccentricError(f"{p}: not an {MANIFEST_FORMAT} file")
    if doc.get("version") != 1:
        raise EccentricError(f"{p}: manifest version {doc.get('version')!r} is not supported")
    entries: list[ManifestEntry] = []
    seen: set[str] = set()
    for i, raw in enumerate(doc.get("sessions", [])):
        where = f"{p}: session {i}"
        entry = _entry(raw, where)
        if entry.name in seen:
            raise EccentricError(f"{where}: duplicate name {entry.name!r}")
        seen.add(entry.name)
        entries.append(entry)
    if not entries:
        raise EccentricError(f"{p}: no sessions")
    return entries


def _entry(raw: Any, where: str) -> ManifestEntry:
    if not isinstance(raw, dict):
        raise EccentricError(f"{where}: expected an object")
    try:
        name, exercise = str(raw["name"]), str(raw["exercise"])
        seed, sensor, placement = raw["seed"], str(raw["sensor"]), str(raw["placement"])
    except KeyError as exc:
        raise EccentricError(f"{where}: missing field {exc}") from None
    if not _NAME.match(name):
        raise EccentricError(f"{where}: name {name!r} must be lower-case letters, digits, _ or -")
    if not isinstance(seed, int) or seed < 0:
        raise EccentricError(f"{where} ({name}): seed must be a non-negative integer")
    check_exercise(exercise, placement)
    options = SessionOptions.from_dict(dict(raw.get("options") or {}), f"{where} ({name})")
    return ManifestEntry(name, exercise, seed, sensor, placement, options)


def generate(manifest: str | Path, out_dir: str | Path,
             only: list[str] | None = None,
             track: Callable[[list[Any]], Iterable[Any]] | None = None) -> list[Path]:
    """Write every (or only the named) session of ``manifest`` into ``out_dir``.

    ``track`` (optional) wraps the list of sessions as they are simulated, e.g. to
    draw a progress bar."""
    entries = load_manifest(manifest)
    if only:
        missing = sorted(set(only) - {e.name for e in entries})
        if missing:
            raise EccentricError(f"{manifest}: no session named {', '.join(missing)}")
        entries = [e for e in entries if e.name in only]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for e in (track(entries) if track is not None else entries):
        path = out / e.filename
        write_recording(path, simulate(e.exercise, e.seed, e.sensor, e.placement, e.options))
        written.append(path)
    return written
