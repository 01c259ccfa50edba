"""Clustered detection (docs/scale.md): BLE gateways publish raw IMU chunks to a NATS
JetStream cluster; workers that own athlete partitions run the one pipeline on them."""
