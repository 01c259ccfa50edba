"""The bout detector kind: stretches of repeated back-and-forth strokes (foam rolling)
or steps (a loaded carry) between rests, timed, with their strokes counted."""
