"""Physically based session simulator (athlete, kinematics, IMU physics, device clock,
labels) and the emulated BlueZ transport.
"""
