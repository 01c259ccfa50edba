"""Who trains in the demo: each athlete loops a playlist of bundled recordings.

The picks show every part of the dashboard within a few minutes: a Nordic curl athlete
whose eccentric time drops with fatigue, a three-set ball leg curl, and a single-leg
ball curl on the left and then the right leg (for the left/right comparison). Targets
are chosen so that some reps meet them and some do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eccentric.core.errors import EccentricError

# Repository checkouts keep the library next to src/ (the demo runs from a clone).
RECORDINGS_DIR = Path(__file__).resolve().parents[4] / "recordings"


@dataclass(frozen=True)
class DemoAthlete:
    name: str
    playlist: tuple[str, ...]  # recording names without .jsonl.gz, played in order
    target_tempo: str


ROSTER = (
    DemoAthlete("anna", ("nordic_trunk_movesense_fatigue", "nordic_thigh_metamotion_3sets"),
                "2-1-2-x"),
    DemoAthlete("ben", ("ball_double_shank_movesense_3sets",), "2-2-2-x"),
    DemoAthlete("carla", ("ball_single_left_ankle_polar104",
                          "ball_single_right_ankle_movesense_fatigue"), "2-3-1-x"),
)


def resolve(folder: Path, count: int) -> list[tuple[DemoAthlete, list[Path]]]:
    """The first ``count`` athletes with their recording files; missing files are an
    error naming the command that regenerates them."""
    out: list[tuple[DemoAthlete, list[Path]]] = []
    for athlete in ROSTER[:count]:
        paths = [folder / f"{name}.jsonl.gz" for name in athlete.playlist]
        missing = [p.name for p in paths if not p.is_file()]
        if missing:
            raise EccentricError(
                f"demo recordings missing in {folder}: {', '.join(missing)}; regenerate "
                "them with 'eccentric simulate --manifest recordings/manifest.json "
                "--out-dir recordings/' (or pass --recordings DIR)")
        out.append((athlete, paths))
    return out
