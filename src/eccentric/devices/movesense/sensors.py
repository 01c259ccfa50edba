"""The Movesense sensor the simulator models (sources: ``eccentric.devices.sensor_spec``)."""

from __future__ import annotations

from eccentric.devices.movesense import driver
from eccentric.devices.sensor_spec import DeviceSpec

MOVESENSE = DeviceSpec(
    key=driver.SENSOR,
    model="Movesense sensor, /Meas/IMU6 via the gatt_sensordata_app firmware",
    chip="LSM6DS3 (ASSUMED; not stated in the BLE notes)",
    # §2.4: the official web client offers 13/26/52/104/208/416/833 Hz.
    rates_hz=driver.RATES,
    default_rate_hz=driver.DEFAULT_RATE_HZ,
    # Values arrive as float32 m/s² and °/s (§2.3); the chip's own counts set the
    # resolution. LSM6DS3 sensitivities (ASSUMED from the chip family): 0.061/0.122/
    # 0.244/0.488 mg and 4.375/8.75/17.5/35/70 m°/s per count.
    acc_lsb_g={2.0: 0.061e-3, 4.0: 0.122e-3, 8.0: 0.244e-3, 16.0: 0.488e-3},
    gyro_lsb_dps={125.0: 4.375e-3, 245.0: 8.75e-3, 500.0: 17.5e-3, 1000.0: 35e-3,
                  2000.0: 70e-3},
    default_acc_range_g=8.0,  # ASSUMED firmware default
    default_gyro_range_dps=2000.0,  # ASSUMED firmware default
    # ASSUMED LSM6DS3-class densities (90 µg/√Hz, 7 m°/s/√Hz in high-performance mode).
    acc_noise_ug_rthz=90.0,
    gyro_noise_mdps_rthz=7.0,
    gyro_bias_sd_dps=0.7,
    acc_bias_sd_mg=15.0,
    gyro_bias_walk_dps_per_rts=0.004,
    scale_error_sd=0.005,
    cross_axis_sd=0.005,
    bandwidth_fraction=0.4,
    # §2.3: the official client decodes 8 samples per IMU9 update at 104 Hz (split over
    # DATA + DATA_PART2); IMU6 assumed alike, and losing either part loses the update.
    samples_per_packet=driver.SAMPLES_PER_UPDATE,
    # §2.4: uint32 ms timestamp of the first sample; the client interpolates by 1000/rate.
    timestamps="device",
    clock_error_sd_ppm=20.0,  # ASSUMED crystal-class accuracy
    sample_jitter_s=0.0,
    timestamp_quantum_s=0.001,
    output_float32=True,
    sources={
        "rates": "ble_protocols.md §2.4 (official web client)",
        "layout_units": "ble_protocols.md §2.3 (acc.yaml, imu.yaml)",
        "timestamps": "ble_protocols.md §2.4 (uint32 ms, first sample)",
        "chip_noise": "ASSUMED LSM6DS3 class",
    },
)
