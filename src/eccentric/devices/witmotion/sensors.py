"""The WitMotion sensor the simulator models (sources: ``eccentric.devices.sensor_spec``)."""

from __future__ import annotations

from eccentric.devices.sensor_spec import DeviceSpec
from eccentric.devices.witmotion import driver

WITMOTION = DeviceSpec(
    key=driver.SENSOR,
    model="WitMotion BWT901BLE / WT901BLECL (Bluetooth 5.0), packet 0x61",
    chip="not documented",
    # §5: output rate register 0x03 offers 1/5/10/50/100/200 Hz; the default is NOT
    # VERIFIED, so sessions configure 100 Hz explicitly (register value 0x09). Simulated:
    # the rates from 10 Hz up (of driver.RATE_CODES).
    rates_hz=(10.0, 50.0, 100.0, 200.0),
    default_rate_hz=driver.DEFAULT_RATE_HZ,
    # §5: acceleration raw/32768 × 16 g; angular rate raw/32768 × 2000 °/s (fixed ranges).
    acc_lsb_g={driver.ACC_RANGE_G: driver.ACC_LSB_G},
    gyro_lsb_dps={driver.GYRO_RANGE_DPS: driver.GYRO_LSB_DPS},
    default_acc_range_g=driver.ACC_RANGE_G,
    default_gyro_range_dps=driver.GYRO_RANGE_DPS,
    # ASSUMED: chip undocumented; older WT901 boards used MPU-9250-class parts
    # (≈300 µg/√Hz, 10 m°/s/√Hz) — NOT VERIFIED.
    acc_noise_ug_rthz=300.0,
    gyro_noise_mdps_rthz=10.0,
    gyro_bias_sd_dps=1.0,
    acc_bias_sd_mg=25.0,
    gyro_bias_walk_dps_per_rts=0.006,
    scale_error_sd=0.01,
    cross_axis_sd=0.01,
    bandwidth_fraction=0.4,
    # §5: one 20-byte 0x61 packet per sample; no timestamps.
    samples_per_packet=1,
    timestamps="host",
    clock_error_sd_ppm=5000.0,  # ASSUMED: MCU RC-timed output rate
    sample_jitter_s=0.001,  # ASSUMED: MCU-polled output, ~1 ms timing spread
    timestamp_quantum_s=0.0,
    sources={
        "rates_scaling": "ble_protocols.md §5 (datasheet p.13, DeviceModel.java SetRRate)",
        "noise": "ASSUMED (chip undocumented)",
    },
)
