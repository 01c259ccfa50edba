"""Detectors: turn the segment-angle stream into reps, phases, holds and sets."""
