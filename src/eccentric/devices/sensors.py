"""Supported wearables as data: rates, ranges, resolution, noise and transport habits.

Every figure names its source. ``ble_protocols.md`` is /work/shared/reference/
ble_protocols.md (section numbers as in that note). Noise densities and bias spreads are
not in that note; they come from chip datasheet figures quoted in public pages (named
below) or are labelled ASSUMED when the device's chip is not documented. Nothing here is
measured on a real unit.

Polar H10 is deliberately absent: it streams accelerometer only, no gyroscope
(ble_protocols.md §1.7), and the simulator's recordings always carry angular rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from eccentric.core.errors import EccentricError
from eccentric.core.units import STANDARD_GRAVITY_MPS2

TimestampSource = Literal["device", "host"]

# Devices we do not simulate, and why (shown by ``eccentric simulate --list-devices``).
EXCLUDED_DEVICES: dict[str, str] = {
    "polar_h10": "accelerometer only, no gyroscope (ble_protocols.md §1.7)",
}


@dataclass(frozen=True)
class DeviceSpec:
    """One wearable. Ranges in g and °/s; LSB sizes in g and °/s per count."""

    key: str
    model: str
    chip: str
    rates_hz: tuple[float, ...]
    default_rate_hz: float
    acc_lsb_g: dict[float, float]  # range (±g) → g per LSB
    gyro_lsb_dps: dict[float, float]  # range (±°/s) → °/s per LSB
    default_acc_range_g: float
    default_gyro_range_dps: float
    acc_noise_ug_rthz: float  # white-noise density, µg/√Hz
    gyro_noise_mdps_rthz: float  # white-noise density, m°/s/√Hz
    gyro_bias_sd_dps: float  # spread of the turn-on zero-rate offset, per axis
    acc_bias_sd_mg: float  # spread of the zero-g offset, per axis
    gyro_bias_walk_dps_per_rts: float  # bias random walk (°/s per √s)
    scale_error_sd: float  # per-axis sensitivity error (fraction)
    cross_axis_sd: float  # axis misalignment / cross-axis sensitivity (fraction)
    bandwidth_fraction: float  # digital low-pass corner as a fraction of the rate
    samples_per_packet: int  # samples lost together when one BLE packet is lost
    timestamps: TimestampSource
    clock_error_sd_ppm: float  # spread of the sample-clock rate error
    sample_jitter_s: float  # SD of the true sampling instant around its timestamp
    timestamp_quantum_s: float  # resolution of the device timestamp (0 = none)
    output_float32: bool = False  # the device sends float32 values
    sources: dict[str, str] = field(default_factory=dict)

    def acc_lsb_mps2(self, range_g: float) -> float:
        return self.acc_lsb_g[range_g] * STANDARD_GRAVITY_MPS2

    def check(self, rate_hz: float, acc_range_g: float, gyro_range_dps: float) -> None:
        """Raise EccentricError unless the device supports this configuration."""
        if rate_hz not in self.rates_hz:
            raise EccentricError(
                f"{self.key}: rate {rate_hz:g} Hz is not one of "
                f"{', '.join(f'{r:g}' for r in self.rates_hz)} Hz"
            )
        if acc_range_g not in self.acc_lsb_g:
            raise EccentricError(
                f"{self.key}: accelerometer range ±{acc_range_g:g} g is not one of "
                f"{', '.join(f'±{r:g}' for r in self.acc_lsb_g)} g"
            )
        if gyro_range_dps not in self.gyro_lsb_dps:
            raise EccentricError(
                f"{self.key}: gyroscope range ±{gyro_range_dps:g} °/s is not one of "
                f"{', '.join(f'±{r:g}' for r in self.gyro_lsb_dps)} °/s"
            )

    def info(self, rate_hz: float, acc_range_g: float, gyro_range_dps: float) -> dict[str, object]:
        """What the recording header's ``sensor_info`` says about this configuration."""
        return {
            "model": self.model,
            "chip": self.chip,
            "rate_hz": rate_hz,
            "acc_range_g": acc_range_g,
            "gyro_range_dps": gyro_range_dps,
            "acc_lsb_g": self.acc_lsb_g[acc_range_g],
            "gyro_lsb_dps": self.gyro_lsb_dps[gyro_range_dps],
            "timestamps": self.timestamps,
            "samples_per_packet": self.samples_per_packet,
        }


def _int16(ranges: tuple[float, ...]) -> dict[float, float]:
    """LSB size of a signed 16-bit converter spanning ±range."""
    return {r: r / 32768.0 for r in ranges}


POLAR_VERITY_SENSE = DeviceSpec(
    key="polar_verity_sense",
    model="Polar Verity Sense (PMD streaming, SDK mode for rates other than 52 Hz)",
    chip="not documented",
    # §1.7: normal mode 52 Hz; SDK mode (fw ≥ 1.1.5) 26/52/104/208/416 Hz.
    rates_hz=(26.0, 52.0, 104.0, 208.0, 416.0),
    default_rate_hz=52.0,
    # §1.7: ±2/4/8/16 g in SDK mode, ±8 g in normal mode, 16-bit. §1.4: FACTOR
    # 0.000244 g per count at ±8 g, i.e. 8/32768.
    acc_lsb_g=_int16((2.0, 4.0, 8.0, 16.0)),
    # §1.7: ±250/500/1000/2000 °/s, 16-bit; the count size is 2000/32768 at ±2000
    # [derived: the Verity gyro FACTOR is NOT VERIFIED in §11].
    gyro_lsb_dps=_int16((250.0, 500.0, 1000.0, 2000.0)),
    default_acc_range_g=8.0,
    default_gyro_range_dps=2000.0,
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

METAMOTION = DeviceSpec(
    key="metamotion",
    model="MbientLab MetaMotion R/C (BMI160)",
    chip="BMI160",
    # §3.3: BMI160 ODR codes 12.5 … 1600 Hz.
    rates_hz=(12.5, 25.0, 50.0, 100.0, 200.0, 400.0, 800.0),
    default_rate_hz=100.0,
    # §3.4: 16384/8192/4096/2048 LSB per g for ±2/4/8/16 g.
    acc_lsb_g={2.0: 1 / 16384, 4.0: 1 / 8192, 8.0: 1 / 4096, 16.0: 1 / 2048},
    # §3.4: 16.4/32.8/65.6/131.2/262.4 LSB per °/s for ±2000/1000/500/250/125 °/s.
    gyro_lsb_dps={2000.0: 1 / 16.4, 1000.0: 1 / 32.8, 500.0: 1 / 65.6,
                  250.0: 1 / 131.2, 125.0: 1 / 262.4},
    default_acc_range_g=8.0,
    default_gyro_range_dps=1000.0,
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
    samples_per_packet=3,
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
    key="metamotion_s",
    model="MbientLab MetaMotion S (BMI270)",
    chip="BMI270",
    rates_hz=(12.5, 25.0, 50.0, 100.0, 200.0, 400.0, 800.0),
    default_rate_hz=100.0,
    # §3.4: same LSB sizes as the BMI160, keyed by the BMI270 range codes.
    acc_lsb_g={2.0: 1 / 16384, 4.0: 1 / 8192, 8.0: 1 / 4096, 16.0: 1 / 2048},
    gyro_lsb_dps={2000.0: 1 / 16.4, 1000.0: 1 / 32.8, 500.0: 1 / 65.6,
                  250.0: 1 / 131.2, 125.0: 1 / 262.4},
    default_acc_range_g=8.0,
    default_gyro_range_dps=1000.0,
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
    samples_per_packet=3,
    timestamps="host",
    clock_error_sd_ppm=3000.0,
    sample_jitter_s=0.0,
    timestamp_quantum_s=0.0,
    sources={
        "rates_ranges_lsb": "ble_protocols.md §3.3–3.4 (BMI270 notes)",
        "noise": "docs.luxonis.com BMI270 page (datasheet figures)",
    },
)

MOVESENSE = DeviceSpec(
    key="movesense",
    model="Movesense sensor, /Meas/IMU6 via the gatt_sensordata_app firmware",
    chip="LSM6DS3 (ASSUMED; not stated in the BLE notes)",
    # §2.4: the official web client offers 13/26/52/104/208/416/833 Hz.
    rates_hz=(13.0, 26.0, 52.0, 104.0, 208.0, 416.0, 833.0),
    default_rate_hz=104.0,
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
    samples_per_packet=8,
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

WITMOTION = DeviceSpec(
    key="witmotion",
    model="WitMotion BWT901BLE / WT901BLECL (Bluetooth 5.0), packet 0x61",
    chip="not documented",
    # §5: output rate register 0x03 offers 1/5/10/50/100/200 Hz; the default is NOT
    # VERIFIED, so sessions configure 100 Hz explicitly (register value 0x09).
    rates_hz=(10.0, 50.0, 100.0, 200.0),
    default_rate_hz=100.0,
    # §5: acceleration raw/32768 × 16 g; angular rate raw/32768 × 2000 °/s (fixed ranges).
    acc_lsb_g=_int16((16.0,)),
    gyro_lsb_dps=_int16((2000.0,)),
    default_acc_range_g=16.0,
    default_gyro_range_dps=2000.0,
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

DEVICES: dict[str, DeviceSpec] = {
    d.key: d for d in (POLAR_VERITY_SENSE, METAMOTION, METAMOTION_S, MOVESENSE, WITMOTION)
}


def get_device(key: str) -> DeviceSpec:
    """The spec for ``key``; a helpful error for unknown or excluded devices."""
    if key in DEVICES:
        return DEVICES[key]
    if key in EXCLUDED_DEVICES:
        raise EccentricError(f"device {key!r} is not simulated: {EXCLUDED_DEVICES[key]}")
    raise EccentricError(f"unknown device {key!r}; choose one of {', '.join(sorted(DEVICES))}")
