import numpy as np
import pytest

from eccentric.attitude.fusion import AttitudeFilter
from eccentric.attitude.settings import FusionSettings
from eccentric.attitude.tilt import tilt_from_reference_deg
from eccentric.core.chunk import ImuChunk, concat
from eccentric.exercises.catalogue import get_profile
from eccentric.session.pipeline import Pipeline, PipelineConfig
from tests.synthetic import imu_from_angle, min_jerk, rotation


def test_angle_is_independent_of_mounting_and_tracks_truth() -> None:
    rate = 100
    ang = np.concatenate([np.zeros(200), 80 * min_jerk(300), np.full(100, 80.0),
                          80 * (1 - min_jerk(300)), np.zeros(100)])
    t = np.arange(len(ang)) / rate
    for mount in (np.eye(3), rotation(np.array([1.0, -0.4, 0.7]), 2.0)):
        chunk = imu_from_angle(t, ang, mount=mount, noise=1.0)
        g, _, _ = AttitudeFilter(rate).process(chunk)
        est = tilt_from_reference_deg(g, g[:150].mean(axis=0) / np.linalg.norm(g[:150].mean(0)))
        assert np.max(np.abs(est - ang)) < 3.0


@pytest.mark.parametrize("rate", [50, 100])  # 100 Hz runs the filter on sample pairs
def test_gap_does_not_leave_the_filter_on_a_wrong_period(rate: int) -> None:
    """After a dropped-packet gap the filter must return to the nominal period, and
    cutting the stream into chunks (odd sizes split pairs) changes nothing."""
    ang = np.concatenate([np.zeros(2 * rate), 60 * min_jerk(3 * rate), np.full(6 * rate, 60.0)])
    t = np.arange(len(ang)) / rate
    t[61:] += 1.5  # 1.5 s of packets lost during the still start
    t[200:] += 0.3 * (t[200] - t[199])  # and one late sample (jitter)
    chunk = imu_from_angle(t, ang, noise=1.0)
    whole, _, _ = AttitudeFilter(rate).process(chunk)
    f = AttitudeFilter(rate)
    parts = [f.process(chunk.slice(i, i + 7))[0] for i in range(0, len(chunk), 7)]
    np.testing.assert_allclose(np.concatenate(parts), whole, atol=1e-9)
    est = tilt_from_reference_deg(whole, whole[0])
    assert est[-1] == pytest.approx(60.0, abs=2.0)


def test_chunk_helpers() -> None:
    c = ImuChunk.from_arrays(np.arange(4.0), np.zeros((4, 3)), np.zeros((4, 3)))
    assert len(concat([c.slice(0, 2), c.slice(2)])) == 4


def test_swaying_profiles_keep_the_attitude_on_gravity_despite_a_gyro_offset() -> None:
    """A stance that sways (never still, so the offset is never learnt) between quick
    reps, with a 2 °/s gyro offset: at the default 10° rejection the accelerometer is
    shut out once the error passes 10° and the attitude runs away; the bridge profile's
    looser rejection keeps it within a few degrees."""
    rate = 100
    parts = [np.zeros(200)]
    for _ in range(10):
        parts += [60 * min_jerk(60), 60 * (1 - min_jerk(60)), np.zeros(60)]
    ang = np.concatenate([*parts, np.zeros(300)])
    t = np.arange(len(ang)) / rate
    truth = ang + 2.0 * np.sin(2 * np.pi * 0.7 * t)  # 8.8 °/s peak sway
    clean = imu_from_angle(t, truth, noise=1.0)
    chunk = ImuChunk.from_arrays(t, clean.acc_mps2, clean.gyro_rads + np.radians([2.0, 0, 0]))

    def end_error_deg(settings: FusionSettings) -> float:
        g, _, _ = AttitudeFilter(rate, settings).process(chunk)
        est = tilt_from_reference_deg(g, np.array([0.0, 0.0, 1.0]))
        return float(np.mean(np.abs(est - np.abs(truth))[-100:]))

    assert end_error_deg(get_profile("single_leg_bridge").attitude) < 5.0
    # The lunge's gated trust: the sway (≤ 8.8 °/s) passes the 30 °/s gate.
    assert end_error_deg(get_profile("lunge").attitude) < 5.0
    assert end_error_deg(FusionSettings()) > 15.0


def test_the_gate_keeps_body_acceleration_out_of_the_attitude() -> None:
    """A quick 60° swing whose accelerometer also carries 6 m/s² of body acceleration
    while it turns: trusted up to 60° throughout, the accelerometer drags the attitude
    off; gated to quasi-static samples (the lunge profile), the gyro carries it."""
    rate = 100
    ang = np.concatenate([np.zeros(200), 60 * min_jerk(60), np.full(20, 60.0),
                          60 * (1 - min_jerk(60)), np.zeros(200)])
    t = np.arange(len(ang)) / rate
    clean = imu_from_angle(t, ang, noise=0.5)
    moving = np.abs(np.gradient(ang, t)) > 30.0
    acc = clean.acc_mps2 + np.where(moving[:, None], [[6.0, 0.0, 0.0]], 0.0)
    chunk = ImuChunk.from_arrays(t, acc, clean.gyro_rads)

    def max_error_deg(settings: FusionSettings) -> float:
        g, _, _ = AttitudeFilter(rate, settings).process(chunk)
        est = tilt_from_reference_deg(g, np.array([0.0, 0.0, 1.0]))
        return float(np.max(np.abs(est - ang)))

    gated = max_error_deg(get_profile("lunge").attitude)
    trusted = max_error_deg(FusionSettings(acceleration_rejection_deg=60.0))
    assert gated < 2.0
    assert trusted > 2.0 * gated


def test_the_pipeline_runs_the_profiles_attitude_settings() -> None:
    for name in ("nordic_curl", "ball_leg_curl", "single_leg_bridge", "band_rotation"):
        pipeline = Pipeline(PipelineConfig(exercise=name, rate_hz=100.0))
        assert pipeline.attitude.settings == get_profile(name).attitude
    # The swaying profiles (Nordic, single-leg movements) trust the accelerometer further
    # than the default the double-leg ball curl keeps.
    assert get_profile("single_leg_bridge").attitude != get_profile("ball_leg_curl").attitude
    assert get_profile("nordic_curl").attitude == get_profile("single_leg_bridge").attitude
