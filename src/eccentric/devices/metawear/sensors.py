"""The MbientLab sensors the simulator models (sources: ``eccentric.devices.sensor_spec``)."""

from __future__ import annotations

from eccentric.devices.metawear import driver
from eccentric.devices.sensor_spec import DeviceSpec

# Rates, ranges and LSB sizes as the driver configures them (ble_protocols.md §3.3–3.4).
RATES_HZ = tuple(driver.ODR_CODE)
ACC_LSB_G = {float(r): 1 / lsb for r, (_, _, lsb) in driver.ACC_RANGES.items()}  # g per count
GYRO_LSB_DPS = {float(r): 1 / lsb for r, (_, lsb) in driver.GYRO_RANGES.items()}  # °/s per count

METAMOTION = DeviceSpec(
    key=driver.SENSORS["bmi160"],
    model="MbientLab MetaMotion R/C (BMI160)",
    chip="BMI160",
    # §3.3: BMI160 ODR codes 12.5 … 1600 Hz.
    rates_hz=RATES_HZ,
    default_rate_hz=driver.DEFAULT_RATE_HZ,
    # §3.4: 16384/8192/4096/2048 LSB per g for ±2/4/8/16 g.
    acc_lsb_g=ACC_LSB_G,
    # §3.4: 16.4/32.8/65.6/131.2/262.4 LSB per °/s for ±2000/1000/500/250/125 °/s.
    gyro_lsb_dps=GYRO_LSB_DPS,
    default_acc_range_g=float(driver.DEFAULT_ACC_RANGE_G),
    default_gyro_range_dps=float(driver.DEFAULT_GYRO_RANGE_DPS),
    # BMI160 noise density 150 µg/√Hz and 8 m°/s/√Hz; zero-rate offset ±3 °/s typical,
    # zero-g offset ±60 mg (comparison table, blog.csdn.net/dongqingyueyue/article/
    # details/103731233). Bias spreads below use ~1/3 of the typical limits as 1 SD.
    acc_noise_ug_rthz=150.0,
    gyro_noise_mdps_rthz=8.0,
    gyro_bias_sd_dps=1.0,
    acc_bias_sd_mg=20.0,
    gyro_bias_walk_dps_per_rts=0.004,  # ASSUMED
    scale_error_sd=0.005,  # ASSUMED
    cross_axis_sd=0.005,  # ASSUMED
    bandwidth_fraction=0.4,  # BMI160 normal filter mode: 3 dB corner ≈ 0.4 × ODR
    # §3.2: packed mode sends 3 samples per notification (needed above 100 Hz).
    samples_per_packet=driver.PACKED_SAMPLES,
    # §3.5: no device timestamps when streaming; reconstruct from ODR and sample count.
    # The ODR then comes from the chip's own oscillator: ASSUMED ±0.3 % (1 SD).
    timestamps="host",
    clock_error_sd_ppm=3000.0,
    sample_jitter_s=0.0,
    timestamp_quantum_s=0.0,
    sources={
        "rates_ranges_lsb": "ble_protocols.md §3.3–3.4 (MetaWear-SDK-Cpp)",
        "packets": "ble_protocols.md §3.2 (packed mode, 3 samples)",
        "timestamps": "ble_protocols.md §3.5 (no device time; count-based)",
        "noise_bias": "BMI160 figures via blog.csdn.net/dongqingyueyue/article/details/103731233",
    },
)

METAMOTION_S = DeviceSpec(
    key=driver.SENSORS["bmi270"],
    model="MbientLab MetaMotion S (BMI270)",
    chip="BMI270",
    rates_hz=RATES_HZ,
    default_rate_hz=driver.DEFAULT_RATE_HZ,
    # §3.4: same LSB sizes as the BMI160, keyed by the BMI270 range codes.
    acc_lsb_g=ACC_LSB_G,
    gyro_lsb_dps=GYRO_LSB_DPS,
    default_acc_range_g=float(driver.DEFAULT_ACC_RANGE_G),
    default_gyro_range_dps=float(driver.DEFAULT_GYRO_RANGE_DPS),
    # BMI270: 0.16 mg/√Hz and 0.007 °/s/√Hz (docs.luxonis.com/hardware/platform/sensors/
    # imu/bmi270). Offsets ASSUMED a little tighter than the BMI160's.
    acc_noise_ug_rthz=160.0,
    gyro_noise_mdps_rthz=7.0,
    gyro_bias_sd_dps=0.5,
    acc_bias_sd_mg=15.0,
    gyro_bias_walk_dps_per_rts=0.003,
    scale_error_sd=0.005,
    cross_axis_sd=0.005,
    bandwidth_fraction=0.4,
    samples_per_packet=driver.PACKED_SAMPLES,
    timestamps="host",
    clock_error_sd_ppm=3000.0,
    sample_jitter_s=0.0,
    timestamp_quantum_s=0.0,
    sources={
        "rates_ranges_lsb": "ble_protocols.md §3.3–3.4 (BMI270 notes)",
        "noise": "docs.luxonis.com BMI270 page (datasheet figures)",
    },
)
