"""Athlete history: an embedded SQLite database of sessions, sets, reps, holds and bouts,
the queries over it (baseline, trend, asymmetry bands) and the session report."""
