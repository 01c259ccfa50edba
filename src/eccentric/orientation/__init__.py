"""Orientation: sensor attitude (fusion) and the body segment's inclination from it."""
