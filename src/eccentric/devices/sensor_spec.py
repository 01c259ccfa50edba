"""What the simulator knows of a wearable: rates, ranges, resolution, noise and
transport habits (:class:`DeviceSpec`). Each family's ``sensors.py`` holds the records of
its models; ``registry.DEVICES`` collects them.

Every figure names its source. ``ble_protocols.md`` is /work/shared/reference/
ble_protocols.md (section numbers as in that note). Noise densities and bias spreads are
not in that note; they come from chip datasheet figures quoted in public pages (named
in each record) or are labelled ASSUMED when the device's chip is not documented. Nothing here is
measured on a real unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from eccentric.core.errors import EccentricError
from eccentric.core.units import STANDARD_GRAVITY_MPS2

TimestampSource = Literal["device", "host"]


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


def int16_lsb(ranges: tuple[float, ...]) -> dict[float, float]:
    """LSB size of a signed 16-bit converter spanning ±range."""
    return {r: r / 32768.0 for r in ranges}
