"""Excursion detector: one segment leaves a still start pose and returns (Nordic curls,
ball leg curls).
"""
