"""The shared vocabulary every layer uses: timed IMU chunks (SI units), units and their
constants, sample timing and gaps, error types, and every event shape.
"""
