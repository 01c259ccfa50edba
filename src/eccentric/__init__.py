"""eccentric: rep and tempo coaching for hamstring and posterior-chain training from one IMU."""

__version__ = "0.1.0"
