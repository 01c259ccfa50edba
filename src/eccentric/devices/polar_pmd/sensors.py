"""The Polar sensor the simulator models (sources: ``eccentric.devices.sensor_spec``).

Polar H10 is deliberately absent: it streams accelerometer only, no gyroscope
(ble_protocols.md §1.7), and the simulator's recordings always carry angular rate.
"""

from __future__ import annotations

from eccentric.devices.polar_pmd import driver
from eccentric.devices.sensor_spec import DeviceSpec, int16_lsb

# Devices we do not simulate, and why (shown by ``eccentric simulate --list-devices``).
EXCLUDED: dict[str, str] = {
    driver.SENSORS["h10"]: "accelerometer only, no gyroscope (ble_protocols.md §1.7)",
}

POLAR_VERITY_SENSE = DeviceSpec(
    key=driver.SENSORS["verity"],
    model="Polar Verity Sense (PMD streaming, SDK mode for rates other than 52 Hz)",
    chip="not documented",
    # §1.7: normal mode 52 Hz; SDK mode (fw ≥ 1.1.5) 26/52/104/208/416 Hz.
    rates_hz=(26.0, 52.0, 104.0, 208.0, 416.0),
    default_rate_hz=driver.DEFAULT_RATES_HZ["verity"],
    # §1.7: ±2/4/8/16 g in SDK mode, ±8 g in normal mode, 16-bit. §1.4: FACTOR
    # 0.000244 g per count at ±8 g, i.e. 8/32768.
    acc_lsb_g=int16_lsb(tuple(float(r) for r in driver.ACC_RANGES_G)),
    # §1.7: ±250/500/1000/2000 °/s, 16-bit; the count size is 2000/32768 at ±2000
    # [derived: the Verity gyro FACTOR is NOT VERIFIED in §11].
    gyro_lsb_dps=int16_lsb(tuple(float(r) for r in driver.GYRO_RANGES_DPS)),
    default_acc_range_g=float(driver.DEFAULT_ACC_RANGE_G),
    default_gyro_range_dps=float(driver.DEFAULT_GYRO_RANGE_DPS),
    # ASSUMED: the IMU chip is not documented; typical consumer 6-axis MEMS figures
    # (BMI270: 160 µg/√Hz, 7 m°/s/√Hz, docs.luxonis.com BMI270 page) rounded up.
    acc_noise_ug_rthz=180.0,
    gyro_noise_mdps_rthz=10.0,
    gyro_bias_sd_dps=0.5,  # ASSUMED residual after factory trim
    acc_bias_sd_mg=15.0,  # ASSUMED
    gyro_bias_walk_dps_per_rts=0.004,  # ASSUMED: a few tenths of °/s drift over minutes
    scale_error_sd=0.005,  # ASSUMED: MEMS sensitivity tolerance ±1 %, taken as 2 SD
    cross_axis_sd=0.005,  # ASSUMED: ±1 % cross-axis sensitivity is typical of MEMS
    bandwidth_fraction=0.4,
    # §1.8: Verity ACC in normal mode arrives as about 71 samples every 1–2 s (issue #317);
    # a lost notification loses the whole frame.
    samples_per_packet=71,
    # §1.6: 64-bit ns device timestamps; 32 kHz crystals at about 20 ppm (issue #580).
    timestamps="device",
    clock_error_sd_ppm=20.0,
    sample_jitter_s=0.0,
    timestamp_quantum_s=0.0,
    sources={
        "rates_ranges": "ble_protocols.md §1.7 (documentation/products/PolarVeritySense.md)",
        "acc_lsb": "ble_protocols.md §1.4 FACTOR 0.000244 g at ±8 g",
        "packets": "ble_protocols.md §1.8 (polar-ble-sdk issue #317)",
        "clock": "ble_protocols.md §1.6 (issue #580: ~20 ppm crystals)",
        "noise": "ASSUMED (chip undocumented); consumer MEMS class",
    },
)
