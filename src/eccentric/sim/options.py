"""Session options: what a manifest entry or the command line may ask for, validated."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from eccentric.core.errors import EccentricError
from eccentric.sim.clock import DROPOUT_LEVELS

TEMPOS = ("normal", "slow", "fast")
RETURN_MODES = ("mixed", "pull", "push", "band")
MISALIGNMENTS = ("normal", "large")
# How the way out leaves the start pose. For the Nordic lowering (kinematics/nordic.py):
# "min_jerk" (the speed ramps up over 0.4–0.8 s), "power" (lean ∝ t^p, p 1.3–2.0, over 3–5 s to the
# break: the speed rises from zero), "linear" (constant speed from a 0.05–0.12 s start),
# "hesitant" (a small forward creep or backward dip and a pause, then a min-jerk start).
# The hinge exercises (kinematics/hinge.py) have the same four shapes on their way out.
ONSETS = ("min_jerk", "power", "linear", "hesitant")
# Options added after the library was made: left out of a recording's header while they
# keep their default, so the committed files regenerate byte for byte.
_LATER_OPTIONS = {"onset": "min_jerk", "rest_sway_dps": 0.0, "hold_variants": "normal",
                  "bout_variants": "normal", "lunge_variants": "normal",
                  "rotation_variants": "normal", "hanging_variants": "normal"}
# How widely a timed-hold session (side plank) is drawn: "normal" (the ranges the hold
# detector was tuned on) or "wide" (wider ranges, for held-out benchmarks).
HOLD_VARIANTS = ("normal", "wide")
# Likewise for sessions of bouts (foam rolling).
BOUT_VARIANTS = ("normal", "wide")
# Likewise for lunge sessions.
LUNGE_VARIANTS = ("normal", "wide")


@dataclass(frozen=True)
class SessionOptions:
    """Everything optional about a session. Durations in s, angles in degrees."""

    reps: int = 6  # per set
    sets: int = 1
    rest_min_s: float = 30.0  # rest between sets is drawn from [rest_min_s, rest_max_s]
    rest_max_s: float = 60.0
    side: str | None = None  # single-leg side / the leg wearing the sensor; drawn if None
    rate_hz: float | None = None  # device default if None
    acc_range_g: float | None = None
    gyro_range_dps: float | None = None
    tempo: str = "normal"
    fatigue: float = 0.3  # 0 = none … 1 = strong decline across a set
    partial_reps: int = 0
    aborted_starts: int = 0
    fidgets: int = 0
    repositions: int = 0
    dropouts: str = "light"
    misalignment: str = "normal"
    return_mode: str = "mixed"
    no_break_prob: float | None = None
    bpa_deg: float | None = None  # fresh break-point lean; drawn if None
    clock_error_ppm: float | None = None  # drawn from the device spec if None
    timestamp_glitches: int = 0  # duplicate / out-of-order packets (hard case)
    piking_deg: float = 0.0  # trunk sensor only: hip flexion reached at the bottom
    walk_in_rest: bool | None = None  # drawn if None
    tissue: bool = True  # soft-tissue wobble
    bias_scale: float = 1.0  # multiplies the device's bias spreads
    t0_s: float = 0.0  # first timestamp
    onset: str = "min_jerk"  # onset shape of the way out (ONSETS)
    # Sway of the working leg while in the start pose (pre-set still time and pauses
    # between reps), °/s: the amplitude of a sine of equal power (rate RMS × √2);
    # 0.3–1 Hz, random, a few degrees. 0 = the usual near-still start pose.
    rest_sway_dps: float = 0.0
    hold_variants: str = "normal"  # side plank: HOLD_VARIANTS
    bout_variants: str = "normal"  # foam rolling: BOUT_VARIANTS
    lunge_variants: str = "normal"  # lunges: LUNGE_VARIANTS
    rotation_variants: str = "normal"  # band rotations: LUNGE_VARIANTS' values too
    hanging_variants: str = "normal"  # hanging pelvic tilts: LUNGE_VARIANTS' values too

    @classmethod
    def from_dict(cls, raw: dict[str, Any], where: str = "options") -> SessionOptions:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise EccentricError(f"{where}: unknown option(s) {', '.join(unknown)}; "
                                 f"known: {', '.join(sorted(known))}")
        try:
            opts = cls(**raw)
        except TypeError as exc:
            raise EccentricError(f"{where}: {exc}") from exc
        opts.validate(where)
        return opts

    def validate(self, where: str = "options") -> None:
        def bad(msg: str) -> EccentricError:
            return EccentricError(f"{where}: {msg}")

        if not (isinstance(self.reps, int) and 1 <= self.reps <= 30):
            raise bad(f"reps must be an integer 1–30, got {self.reps!r}")
        if not (isinstance(self.sets, int) and 1 <= self.sets <= 6):
            raise bad(f"sets must be an integer 1–6, got {self.sets!r}")
        if not 10.0 <= self.rest_min_s <= self.rest_max_s <= 300.0:
            raise bad("rest must satisfy 10 ≤ rest_min_s ≤ rest_max_s ≤ 300")
        if self.side not in (None, "left", "right"):
            raise bad(f"side must be left or right, got {self.side!r}")
        if self.tempo not in TEMPOS:
            raise bad(f"tempo must be one of {TEMPOS}")
        if self.return_mode not in RETURN_MODES:
            raise bad(f"return_mode must be one of {RETURN_MODES}")
        if self.misalignment not in MISALIGNMENTS:
            raise bad(f"misalignment must be one of {MISALIGNMENTS}")
        if self.dropouts not in DROPOUT_LEVELS:
            raise bad(f"dropouts must be one of {tuple(DROPOUT_LEVELS)}")
        if not 0.0 <= self.fatigue <= 1.0:
            raise bad("fatigue must be within 0–1")
        for name in ("partial_reps", "aborted_starts", "fidgets", "repositions",
                     "timestamp_glitches"):
            v = getattr(self, name)
            if not (isinstance(v, int) and 0 <= v <= 20):
                raise bad(f"{name} must be an integer 0–20")
        if not 0.0 <= self.piking_deg <= 45.0:
            raise bad("piking_deg must be within 0–45")
        if self.onset not in ONSETS:
            raise bad(f"onset must be one of {ONSETS}")
        if not 0.0 <= self.rest_sway_dps <= 30.0:
            raise bad("rest_sway_dps must be within 0–30")
        if self.hold_variants not in HOLD_VARIANTS:
            raise bad(f"hold_variants must be one of {HOLD_VARIANTS}")
        if self.bout_variants not in BOUT_VARIANTS:
            raise bad(f"bout_variants must be one of {BOUT_VARIANTS}")
        if self.lunge_variants not in LUNGE_VARIANTS:
            raise bad(f"lunge_variants must be one of {LUNGE_VARIANTS}")
        if self.rotation_variants not in LUNGE_VARIANTS:
            raise bad(f"rotation_variants must be one of {LUNGE_VARIANTS}")
        if self.hanging_variants not in LUNGE_VARIANTS:
            raise bad(f"hanging_variants must be one of {LUNGE_VARIANTS}")

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for name, default in _LATER_OPTIONS.items():
            if out[name] == default:
                del out[name]
        return out
