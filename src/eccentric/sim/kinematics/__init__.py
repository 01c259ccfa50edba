"""Joint-angle trajectories per exercise, from a simple mechanical model of the movement."""
