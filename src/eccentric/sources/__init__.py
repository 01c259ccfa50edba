"""Sources: everything that produces timed IMU chunks (files, simulator, BLE devices)."""
