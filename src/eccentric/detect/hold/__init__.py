"""The timed-hold detector kind: a segment held still in a pose tilted from the start
pose (e.g. a side plank), timed, with its sway and dips."""
