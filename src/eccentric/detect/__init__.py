"""Streaming detectors: segment angle in, reps and rejected attempts out. One subpackage
per detector kind; registry.py maps a profile's settings to its detector.
"""
