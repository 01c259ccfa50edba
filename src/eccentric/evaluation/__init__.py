"""Compare detections with ground-truth labels (rep matching, phase and angle errors)."""
