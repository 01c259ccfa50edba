"""Same seed → same bytes; the committed library regenerates exactly."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from eccentric.app.commands import simulate as command
from eccentric.core.errors import EccentricError
from eccentric.io.recording_reader import RecordingReader
from eccentric.sim.manifest import generate, load_manifest
from eccentric.sim.options import SessionOptions
from eccentric.sim.recording import simulate, write_recording

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "recordings" / "manifest.json"
# Small entries, so the check stays quick; together they cover both exercises.
SPOT_CHECK = ["nordic_trunk_polar52", "ball_double_shank_polar52_dropouts"]


def _write(tmp: Path, sub: str, seed: int) -> bytes:
    # Same file name each time: gzip stores the name in its header.
    opts = SessionOptions(reps=2, fidgets=1)
    path = tmp / sub / "s.jsonl.gz"
    write_recording(path, simulate("nordic_curl", seed, "movesense", "thigh", opts))
    return path.read_bytes()


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a = _write(tmp_path, "a", 5)
    b = _write(tmp_path, "b", 5)
    c = _write(tmp_path, "c", 6)
    assert a == b
    assert a != c


def test_manifest_regenerates_committed_files(tmp_path: Path) -> None:
    for path in generate(MANIFEST, tmp_path, SPOT_CHECK):
        committed = ROOT / "recordings" / path.name
        assert committed.exists(), f"{path.name} missing from recordings/"
        assert path.read_bytes() == committed.read_bytes(), path.name


def test_library_covers_the_brief() -> None:
    entries = load_manifest(MANIFEST)
    assert len(entries) >= 20
    combos = {(e.exercise.startswith("nordic"), e.placement) for e in entries}
    assert combos == {(True, "thigh"), (True, "trunk"), (False, "shank"), (False, "ankle")}
    sensors = {e.sensor for e in entries}
    assert {"polar_verity_sense", "metamotion", "movesense", "witmotion"} <= sensors
    rates = {(e.sensor, e.options.rate_hz) for e in entries}
    assert ("polar_verity_sense", 104.0) in rates
    opts = [e.options for e in entries]
    assert any(o.tempo == "slow" for o in opts) and any(o.tempo == "fast" for o in opts)
    assert any(o.partial_reps for o in opts) and any(o.fidgets for o in opts)
    assert any(o.dropouts == "heavy" for o in opts)
    assert any(o.misalignment == "large" for o in opts)
    assert any(o.sets > 1 for o in opts)
    assert any(e.exercise == "nordic_curl_band" for e in entries)
    sides = {o.side for e, o in zip(entries, opts, strict=True)
             if e.exercise == "ball_leg_curl_single"}
    assert sides == {"left", "right"}
    on_disk = sorted(p.name for p in (ROOT / "recordings").glob("*.jsonl.gz"))
    assert on_disk == sorted(e.filename for e in entries)
    total = sum((ROOT / "recordings" / e.filename).stat().st_size for e in entries)
    assert total <= 20 * 1024 * 1024


def test_holdout_manifest_is_separate() -> None:
    holdout = load_manifest(ROOT / "benchmarks" / "holdout_manifest.json")
    library = load_manifest(MANIFEST)
    assert {e.seed for e in holdout}.isdisjoint({e.seed for e in library})
    assert not any((ROOT / "recordings" / e.filename).exists() for e in holdout)


def test_bad_manifest_entries_are_named(tmp_path: Path) -> None:
    bad = tmp_path / "m.json"
    bad.write_text(json.dumps({"format": "eccentric-sim-manifest", "version": 1, "sessions": [
        {"name": "x", "exercise": "nordic_curl", "seed": 1, "sensor": "metamotion",
         "placement": "shank"}]}))
    with pytest.raises(EccentricError, match="placement 'shank'"):
        load_manifest(bad)
    with pytest.raises(EccentricError, match="unknown option"):
        SessionOptions.from_dict({"repz": 3})


def test_command_writes_a_labelled_recording(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                             ) -> None:
    parser = argparse.ArgumentParser()
    command.add_parser(parser.add_subparsers())
    out = tmp_path / "s.jsonl.gz"
    args = parser.parse_args(["simulate", "--exercise", "ball_leg_curl", "--reps", "3",
                              "--seed", "3", "--sensor", "metamotion", "--placement", "shank",
                              "--option", "tempo=fast", "--out", str(out)])
    assert args.func(args) == 0
    reader = RecordingReader(out)
    assert reader.header.simulated is not None
    assert reader.header.simulated["params"]["options"]["tempo"] == "fast"
    assert sum(1 for lab in reader.labels() if lab["label"] == "rep") == 3
    assert "3 reps" in capsys.readouterr().out


def test_nonrep_labels_survive_the_round_trip(tmp_path: Path) -> None:
    opts = SessionOptions(reps=2, partial_reps=1, aborted_starts=1)
    path = tmp_path / "n.jsonl.gz"
    write_recording(path, simulate("ball_leg_curl", 9, "metamotion", "ankle", opts))
    reader = RecordingReader(path)
    reasons = sorted(lab["reason"] for lab in reader.labels() if lab["label"] == "nonrep")
    assert reasons == ["aborted", "partial"]
    assert reader.stats.skipped_kinds == {}
