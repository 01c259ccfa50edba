"""A coach's session plan (``--plan plan.toml``): ordered blocks the session follows.

    name = "Hamstrings A"
    [[block]]
    exercise = "nordic_curl"
    sets = 3
    reps = 5                 # target per set (per leg with per_leg = true)
    target_tempo = "4-1-1-0"
    rest_s = 120             # planned rest before each set of the block after the first

Blocks advance when their sets are done (or on the ``next_block`` command); the tracker
says what comes next and marks each closed set with its block and its deviations. Pure:
parse and follow, no I/O besides reading the file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eccentric.core.errors import CommandRejected, EccentricError
from eccentric.core.events import Event, plan_event, plan_set_fields
from eccentric.exercises.catalogue import PROFILES
from eccentric.session.targets import parse_range_s
from eccentric.session.tempo import parse_tempo

BLOCK_KEYS = {"exercise", "sets", "reps", "per_leg", "target_tempo", "target_hold",
              "target_bout", "rest_s", "note"}
MAX_BLOCKS = 100
# --exercise values under which a recogniser picks the exercise per set: a plan then
# does not switch the detector to its block's exercise, it flags sets that disagree.
RECOGNISERS = ("any",)


class PlanError(EccentricError):
    """A plan file that cannot be followed; the message names file, block and field."""


@dataclass(frozen=True)
class Block:
    exercise: str
    sets: int
    reps: int | None = None
    per_leg: bool = False
    target_tempo: str | None = None
    target_hold: str | None = None
    target_bout: str | None = None
    rest_s: float | None = None
    note: str | None = None

    def describe(self) -> dict[str, Any]:
        """The block as the ``plan`` event shows it (absent targets left out)."""
        out: dict[str, Any] = {"exercise": self.exercise, "sets": self.sets}
        for key in ("reps", "target_tempo", "target_hold", "target_bout", "rest_s", "note"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.per_leg:
            out["per_leg"] = True
        return out


@dataclass(frozen=True)
class SessionPlan:
    name: str
    blocks: tuple[Block, ...]


def load_plan(path: Path) -> SessionPlan:
    """Read and check a plan file; :class:`PlanError` with one clear line otherwise."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlanError(f"plan {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PlanError(f"plan {path}: not valid TOML: {exc}") from None
    return parse_plan(data, str(path))


def parse_plan(data: dict[str, Any], where: str = "plan") -> SessionPlan:
    unknown = set(data) - {"name", "block"}
    if unknown:
        raise PlanError(f"{where}: unknown key {sorted(unknown)[0]!r} (expected name, "
                        "[[block]])")
    name = data.get("name", Path(where).stem)
    if not isinstance(name, str):
        raise PlanError(f"{where}: name must be a string")
    raw = data.get("block")
    if not isinstance(raw, list) or not raw:
        raise PlanError(f"{where}: no [[block]] tables: a plan needs at least one block")
    if len(raw) > MAX_BLOCKS:
        raise PlanError(f"{where}: {len(raw)} blocks, at most {MAX_BLOCKS}")
    return SessionPlan(name, tuple(_block(b, f"{where}: block {i}")
                                   for i, b in enumerate(raw, start=1)))


def _block(raw: Any, where: str) -> Block:
    if not isinstance(raw, dict):
        raise PlanError(f"{where}: must be a table")
    unknown = set(raw) - BLOCK_KEYS
    if unknown:
        raise PlanError(f"{where}: unknown field {sorted(unknown)[0]!r}; known: "
                        f"{', '.join(sorted(BLOCK_KEYS))}")
    exercise = raw.get("exercise")
    if not isinstance(exercise, str):
        raise PlanError(f"{where}: exercise is required (one of {', '.join(sorted(PROFILES))})")
    if exercise not in PROFILES:
        raise PlanError(f"{where}: exercise {exercise!r} is unknown; known: "
                        f"{', '.join(sorted(PROFILES))}")
    sets = _count(raw, "sets", where, required=True)
    assert sets is not None
    reps = _count(raw, "reps", where)
    per_leg = raw.get("per_leg", False)
    if not isinstance(per_leg, bool):
        raise PlanError(f"{where}: per_leg must be true or false")
    texts: dict[str, str | None] = {}
    for key in ("target_tempo", "target_hold", "target_bout", "note"):
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            raise PlanError(f"{where}: {key} must be a string, e.g. "
                            + ('"4-1-1-0"' if key == "target_tempo" else '"20-30"'))
        texts[key] = value
    try:
        if texts["target_tempo"]:
            parse_tempo(texts["target_tempo"])
        if texts["target_hold"]:
            parse_range_s(texts["target_hold"], "target_hold")
        if texts["target_bout"]:
            parse_range_s(texts["target_bout"], "target_bout")
    except EccentricError as exc:
        raise PlanError(f"{where}: {exc}") from None
    rest = raw.get("rest_s")
    if rest is not None and (isinstance(rest, bool) or not isinstance(rest, (int, float))
                             or not 0 <= rest <= 3600):
        raise PlanError(f"{where}: rest_s must be seconds from 0 to 3600")
    return Block(exercise, sets, reps, per_leg, texts["target_tempo"], texts["target_hold"],
                 texts["target_bout"], float(rest) if rest is not None else None,
                 texts["note"])


def _count(raw: dict[str, Any], key: str, where: str, *, required: bool = False) -> int | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise PlanError(f"{where}: {key} is required (a whole number from 1 to 100)")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        raise PlanError(f"{where}: {key} must be a whole number from 1 to 100, not {value!r}")
    return int(value)


class PlanTracker:
    """Follows one plan through a session: ``start``, then ``on_set`` for each closed set
    and ``next_block`` when the coach moves on. Methods that move the plan return the
    ``plan`` events to publish (empty when nothing moved)."""

    def __init__(self, plan: SessionPlan) -> None:
        self.plan = plan
        self.index = 0
        self.sets_done = 0  # in the current block
        self._last_end_s: float | None = None

    @property
    def current(self) -> Block | None:
        return self.plan.blocks[self.index] if self.index < len(self.plan.blocks) else None

    def start(self, t_s: float) -> list[Event]:
        return [self._event(t_s, "start")]

    def on_set(self, ev: Event, t_s: float) -> list[Event]:
        """Mark a closed ``set`` event with the plan's view (in place); when it was the
        block's last set, move to the next block."""
        block = self.current
        if block is None:
            ev["plan"] = {"block": None, "flags": ["beyond_plan"]}
            return []
        self.sets_done += 1
        start = ev.get("start_s")
        rest_before = (float(start) - self._last_end_s
                       if self.sets_done > 1 and self._last_end_s is not None
                       and isinstance(start, (int, float)) else None)
        plan_set_fields(ev, block=self.index + 1, block_exercise=block.exercise,
                        set_in_block=self.sets_done, sets_planned=block.sets,
                        target_reps=block.reps, per_leg=block.per_leg,
                        rest_before_s=rest_before, rest_s=block.rest_s)
        end = ev.get("end_s")
        self._last_end_s = float(end) if isinstance(end, (int, float)) else None
        if self.sets_done < block.sets:
            return []
        return self._advance(t_s, "block_done")

    def next_block(self, t_s: float) -> list[Event]:
        """The coach moves on (sets left in this block are skipped)."""
        if self.current is None:
            raise CommandRejected("the plan is already finished")
        return self._advance(t_s, "next_block")

    def _advance(self, t_s: float, reason: str) -> list[Event]:
        self.index += 1
        self.sets_done = 0
        self._last_end_s = None
        return [self._event(t_s, reason)]

    def _event(self, t_s: float, reason: str) -> Event:
        block = self.current
        return plan_event(t_s, state="done" if block is None else "next_up",
                          block=None if block is None else self.index + 1,
                          blocks=len(self.plan.blocks),
                          current=None if block is None else block.describe(),
                          sets_done=self.sets_done, reason=reason)
