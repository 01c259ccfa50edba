"""What a strapped-on IMU reports for a moving rigid segment, imperfections included.

Two stages:

1. Physics on a fine, uniform time grid (``dt_s`` ≈ 1 ms): the sensor's specific force
   f = R_WSᵀ (a − g) and angular rate ω_S, from the segment's orientation and the
   sensor's position (pivot + lever arm), so gravity, tangential (α × r) and
   centripetal (ω × (ω × r)) terms all appear, plus soft-tissue wobble of the sensor on
   the limb (a damped 10–20 Hz oscillator driven by the segment's acceleration).
2. The device: low-pass, sampling at its own (drifting, jittering) clock, sensitivity and
   cross-axis errors, bias with slow drift, white noise, range saturation, quantisation.

World frame: x forward, y left, z up; gravity (0, 0, −9.80665) m/s². A body frame R_WB
maps body vectors to world; the sensor frame is R_WS = R_WB · R_BS (mounting).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import signal

from eccentric.core.chunk import FloatArray
from eccentric.core.units import STANDARD_GRAVITY_MPS2
from eccentric.devices.sensor_spec import DeviceSpec

GRAVITY_W_MPS2 = np.array([0.0, 0.0, -STANDARD_GRAVITY_MPS2])


# ---------------------------------------------------------------- rotations


def rot_x(angle_rad: FloatArray) -> FloatArray:
    """Rotation matrices (n, 3, 3) about x by ``angle_rad`` (n,)."""
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    o, z = np.ones_like(c), np.zeros_like(c)
    return np.stack([np.stack([o, z, z], -1), np.stack([z, c, -s], -1),
                     np.stack([z, s, c], -1)], -2)


def rot_y(angle_rad: FloatArray) -> FloatArray:
    """Rotation matrices (n, 3, 3) about y; +angle turns +z towards +x (forward lean)."""
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    o, z = np.ones_like(c), np.zeros_like(c)
    return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1),
                     np.stack([-s, z, c], -1)], -2)


def rot_z(angle_rad: FloatArray) -> FloatArray:
    """Rotation matrices (n, 3, 3) about z (heading)."""
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    o, z = np.ones_like(c), np.zeros_like(c)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1),
                     np.stack([z, z, o], -1)], -2)


def segment_rotation(pitch_rad: FloatArray, roll_rad: FloatArray,
                     yaw_rad: FloatArray) -> FloatArray:
    """R_WB = Rz(yaw) · Ry(pitch) · Rx(roll): body z is the segment's long axis.

    Pitch is the sagittal angle the labels use (0 = segment axis pointing up).
    """
    return rot_z(yaw_rad) @ rot_y(pitch_rad) @ rot_x(roll_rad)


def rotvec_to_matrix(rotvec: FloatArray) -> FloatArray:
    """Rodrigues: rotation vectors (n, 3) in rad → matrices (n, 3, 3)."""
    angle = np.linalg.norm(rotvec, axis=1)
    safe = np.where(angle > 1e-12, angle, 1.0)
    k = rotvec / safe[:, None]
    kx = np.zeros((len(rotvec), 3, 3))
    kx[:, 0, 1], kx[:, 0, 2] = -k[:, 2], k[:, 1]
    kx[:, 1, 0], kx[:, 1, 2] = k[:, 2], -k[:, 0]
    kx[:, 2, 0], kx[:, 2, 1] = -k[:, 1], k[:, 0]
    s = np.sin(angle)[:, None, None]
    c = (1.0 - np.cos(angle))[:, None, None]
    out: FloatArray = np.eye(3)[None] + s * kx + c * (kx @ kx)
    return out


def mounting_rotation(normal_b: FloatArray, spin_rad: float, tilt_rad: float,
                      tilt_dir_rad: float) -> FloatArray:
    """R_BS for a sensor lying on the skin: sensor z along the outward ``normal_b``.

    ``spin_rad`` turns the sensor about the normal (any strap orientation); ``tilt_rad``
    tips the face off the normal (a curved limb, a loose strap).
    """
    n = normal_b / np.linalg.norm(normal_b)
    helper = np.array([0.0, 0.0, 1.0]) if abs(n[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    x = np.cross(helper, n)
    x /= np.linalg.norm(x)
    y = np.cross(n, x)
    base = np.stack([x, y, n], axis=1)  # columns: sensor axes in body coordinates
    spin = rot_z(np.array([spin_rad]))[0]
    tip = (rot_z(np.array([tilt_dir_rad])) @ rot_x(np.array([tilt_rad]))
           @ rot_z(np.array([-tilt_dir_rad])))[0]
    out: FloatArray = base @ tip @ spin
    return out


# ---------------------------------------------------------------- rigid-body physics


def body_rate_rads(r_wb: FloatArray, dt_s: float) -> FloatArray:
    """Angular velocity in the body frame (n, 3) rad/s from R_WB (n, 3, 3) on a grid.

    ω_B× = R_WBᵀ Ṙ_WB, with Ṙ from central differences (O(dt²)); the skew part is kept.
    """
    rdot = np.gradient(r_wb, dt_s, axis=0)
    omega_x = np.transpose(r_wb, (0, 2, 1)) @ rdot
    return np.stack([
        0.5 * (omega_x[:, 2, 1] - omega_x[:, 1, 2]),
        0.5 * (omega_x[:, 0, 2] - omega_x[:, 2, 0]),
        0.5 * (omega_x[:, 1, 0] - omega_x[:, 0, 1]),
    ], axis=1)


def acceleration_mps2(position_m: FloatArray, dt_s: float) -> FloatArray:
    """Second time derivative (n, 3) of positions (n, 3) on a uniform grid."""
    out: FloatArray = np.gradient(np.gradient(position_m, dt_s, axis=0), dt_s, axis=0)
    return out


def specific_force_body_mps2(r_wb: FloatArray, acc_w_mps2: FloatArray) -> FloatArray:
    """f_B = R_WBᵀ (a − g): what an ideal accelerometer aligned with the body reads."""
    f_w = acc_w_mps2 - GRAVITY_W_MPS2
    out: FloatArray = np.einsum("nji,nj->ni", r_wb, f_w)
    return out


def pivot_specific_force_mps2(pitch_rad: float, rate_rads: float, accel_rads2: float,
                              lever_b_m: FloatArray) -> FloatArray:
    """Analytic f_B for a body rotating in pitch about a fixed pivot (reference formula).

    f_B = α × b + ω × (ω × b) − R_WBᵀ g with ω_B = (0, ω, 0), α_B = (0, α, 0).
    """
    w = np.array([0.0, rate_rads, 0.0])
    a = np.array([0.0, accel_rads2, 0.0])
    r = rot_y(np.array([pitch_rad]))[0]
    out: FloatArray = np.cross(a, lever_b_m) + np.cross(w, np.cross(w, lever_b_m)) \
        - r.T @ GRAVITY_W_MPS2
    return out


# ---------------------------------------------------------------- soft tissue


@dataclass(frozen=True)
class TissueParams:
    """Sensor-on-skin oscillator. Frequency and damping per the 10–20 Hz wobble brief."""

    freq_hz: float = 14.0
    damping_ratio: float = 0.25
    axial_gain: float = 0.3  # tissue is stiffer along the limb than across it
    rocking_rad_per_m: float = 1.5  # sensor tips by this much per metre of displacement


def tissue_motion(acc_b_mps2: FloatArray, axis_b: FloatArray, dt_s: float,
                  p: TissueParams) -> tuple[FloatArray, FloatArray]:
    """Sensor displacement (m) and rocking rotation vector (rad), both body frame.

    Each axis obeys δ'' + 2ζω δ' + ω² δ = −a_base (a mass on a spring riding on the
    bone); discretised with the bilinear transform so it is stable at any grid step.
    """
    wn = 2.0 * math.pi * p.freq_hz
    b, a = signal.bilinear([-1.0], [1.0, 2.0 * p.damping_ratio * wn, wn * wn], fs=1.0 / dt_s)
    delta = signal.lfilter(b, a, acc_b_mps2, axis=0)
    ax = axis_b / np.linalg.norm(axis_b)
    along = delta @ ax
    delta = delta - (1.0 - p.axial_gain) * along[:, None] * ax[None, :]
    rock = p.rocking_rad_per_m * np.cross(ax[None, :], delta)
    return np.asarray(delta, dtype=np.float64), np.asarray(rock, dtype=np.float64)


@dataclass(frozen=True)
class SensorKinematics:
    """Ideal sensor-frame readings on the physics grid."""

    t_s: FloatArray
    acc_mps2: FloatArray  # specific force, sensor frame
    gyro_rads: FloatArray  # angular rate, sensor frame


def ideal_sensor(t_s: FloatArray, r_wb: FloatArray, pivot_w_m: FloatArray, lever_b_m: FloatArray,
                 r_bs: FloatArray, tissue: TissueParams | None) -> SensorKinematics:
    """Ideal specific force and angular rate of a sensor riding on a segment.

    ``pivot_w_m`` (n, 3) is where the segment's body origin is in the world; the sensor
    sits at ``lever_b_m`` in body coordinates, rotated by ``r_bs`` on the skin.
    """
    dt = float(t_s[1] - t_s[0])
    pos = pivot_w_m + np.einsum("nij,j->ni", r_wb, lever_b_m)
    r_ws_body = r_wb
    if tissue is not None:
        a_bone_b = np.einsum("nji,nj->ni", r_wb, acceleration_mps2(pos, dt))
        delta_b, rock_b = tissue_motion(a_bone_b, np.array([0.0, 0.0, 1.0]), dt, tissue)
        pos = pos + np.einsum("nij,nj->ni", r_wb, delta_b)
        r_ws_body = r_wb @ rotvec_to_matrix(rock_b)
    acc_w = acceleration_mps2(pos, dt)
    f_b = specific_force_body_mps2(r_ws_body, acc_w)
    w_b = body_rate_rads(r_ws_body, dt)
    # Sensor frame: v_S = R_BSᵀ v_B.
    return SensorKinematics(t_s, f_b @ r_bs, w_b @ r_bs)


# ---------------------------------------------------------------- the device


@dataclass(frozen=True)
class DeviceErrors:
    """One unit's fixed imperfections, drawn once per session."""

    acc_matrix: FloatArray  # (3, 3): I + scale errors + cross-axis terms
    gyro_matrix: FloatArray
    acc_bias_mps2: FloatArray  # (3,)
    gyro_bias_rads: FloatArray  # (3,)
    gyro_warmup_rads: FloatArray  # (3,) extra bias approached exponentially (warm-up)
    warmup_tau_s: float
    clock_error: float  # fractional rate error of the sample clock (+ = runs fast)
    bias_walk_scale: float = 1.0  # multiplies the spec's bias random walk

    def as_dict(self) -> dict[str, object]:
        return {
            "acc_bias_mps2": [round(float(v), 4) for v in self.acc_bias_mps2],
            "gyro_bias_dps": [round(float(np.degrees(v)), 3) for v in self.gyro_bias_rads],
            "gyro_warmup_dps": [round(float(np.degrees(v)), 3) for v in self.gyro_warmup_rads],
            "clock_error_ppm": round(self.clock_error * 1e6, 1),
            "acc_scale": [round(float(self.acc_matrix[i, i]), 4) for i in range(3)],
            "gyro_scale": [round(float(self.gyro_matrix[i, i]), 4) for i in range(3)],
        }


def draw_device_errors(spec: DeviceSpec, rng: np.random.Generator, *,
                       clock_error_ppm: float | None = None,
                       bias_scale: float = 1.0) -> DeviceErrors:
    """Per-unit errors from the spec's spreads; ``clock_error_ppm`` forces the clock."""

    def matrix() -> FloatArray:
        m = np.eye(3) + np.diag(rng.normal(0.0, spec.scale_error_sd, 3))
        off = rng.normal(0.0, spec.cross_axis_sd, (3, 3))
        np.fill_diagonal(off, 0.0)
        return np.asarray(m + off, dtype=np.float64)

    acc_m = matrix()
    gyro_m = matrix()
    acc_b = rng.normal(0.0, spec.acc_bias_sd_mg * 1e-3 * STANDARD_GRAVITY_MPS2, 3) * bias_scale
    gyro_b = np.radians(rng.normal(0.0, spec.gyro_bias_sd_dps, 3)) * bias_scale
    # Warm-up drift: MEMS offsets move by a fraction of their spread as the unit reaches
    # skin temperature over minutes (ASSUMED 30 % of the spread, τ 2–5 min).
    warm = np.radians(rng.normal(0.0, 0.3 * spec.gyro_bias_sd_dps, 3)) * bias_scale
    tau = float(rng.uniform(120.0, 300.0))
    if clock_error_ppm is None:
        clock = float(rng.normal(0.0, spec.clock_error_sd_ppm)) * 1e-6
    else:
        clock = clock_error_ppm * 1e-6
    return DeviceErrors(acc_m, gyro_m, acc_b, gyro_b, warm, tau, clock, bias_scale)


def lowpass(x: FloatArray, dt_s: float, corner_hz: float) -> FloatArray:
    """The sensor's digital filter: causal 2nd-order Butterworth (adds realistic lag)."""
    sos = signal.butter(2, corner_hz, fs=1.0 / dt_s, output="sos")
    out: FloatArray = signal.sosfilt(sos, x, axis=0)
    return out


def resample(t_grid_s: FloatArray, values: FloatArray, t_s: FloatArray) -> FloatArray:
    """Linear interpolation of (n, 3) grid values at times ``t_s``."""
    return np.stack([np.interp(t_s, t_grid_s, values[:, i]) for i in range(values.shape[1])],
                    axis=1)


def quantise(x: FloatArray, lsb: float, full_scale: float) -> FloatArray:
    """Saturate at ±full scale, then round to whole counts of a signed 16-bit converter."""
    counts = np.round(np.clip(x, -full_scale, full_scale) / lsb)
    out: FloatArray = np.clip(counts, -32768, 32767) * lsb
    return out


@dataclass(frozen=True)
class DeviceConfig:
    rate_hz: float
    acc_range_g: float
    gyro_range_dps: float


def device_readings(ideal: SensorKinematics, t_true_s: FloatArray, spec: DeviceSpec,
                    cfg: DeviceConfig, errors: DeviceErrors,
                    rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
    """Specific force (m/s²) and rate (rad/s) as the device reports them at ``t_true_s``.

    ``t_true_s`` are the true sampling instants (on the physics grid's clock).
    """
    dt = float(ideal.t_s[1] - ideal.t_s[0])
    corner = spec.bandwidth_fraction * cfg.rate_hz
    acc = resample(ideal.t_s, lowpass(ideal.acc_mps2, dt, corner), t_true_s)
    gyro = resample(ideal.t_s, lowpass(ideal.gyro_rads, dt, corner), t_true_s)
    n = len(t_true_s)
    # White noise over the filter's noise bandwidth (≈1.11 × corner for 2nd-order).
    enbw = 1.11 * corner
    acc_sd = spec.acc_noise_ug_rthz * 1e-6 * STANDARD_GRAVITY_MPS2 * math.sqrt(enbw)
    gyro_sd = math.radians(spec.gyro_noise_mdps_rthz * 1e-3) * math.sqrt(enbw)
    # Bias: fixed offset + warm-up + random walk (integrated white noise).
    steps = np.diff(t_true_s, prepend=t_true_s[0])
    walk_sd = math.radians(spec.gyro_bias_walk_dps_per_rts) * errors.bias_walk_scale
    walk = np.cumsum(rng.normal(0.0, 1.0, (n, 3)) * np.sqrt(np.maximum(steps, 0.0))[:, None],
                     axis=0) * walk_sd
    settle = 1.0 - np.exp(-t_true_s / errors.warmup_tau_s)
    warm = errors.gyro_warmup_rads[None, :] * settle[:, None]
    acc = acc @ errors.acc_matrix.T + errors.acc_bias_mps2 + rng.normal(0.0, acc_sd, (n, 3))
    gyro = (gyro @ errors.gyro_matrix.T + errors.gyro_bias_rads + warm + walk
            + rng.normal(0.0, gyro_sd, (n, 3)))
    acc_lsb = spec.acc_lsb_mps2(cfg.acc_range_g)
    acc = quantise(acc, acc_lsb, cfg.acc_range_g * STANDARD_GRAVITY_MPS2)
    gyro_lsb = math.radians(spec.gyro_lsb_dps[cfg.gyro_range_dps])
    gyro = quantise(gyro, gyro_lsb, math.radians(cfg.gyro_range_dps))
    if spec.output_float32:
        acc = acc.astype(np.float32).astype(np.float64)
        gyro = gyro.astype(np.float32).astype(np.float64)
    return acc, gyro
