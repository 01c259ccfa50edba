"""Tuning of the cycle counter (``auto``). Placeholder until the counter's constants move here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CycleSettings:
    """Settings of the generic cycle counter."""
