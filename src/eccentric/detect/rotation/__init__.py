"""Rotation about the vertical axis (heading turns of the trunk): band rotations."""
