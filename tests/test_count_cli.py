"""``eccentric count`` over several files: one that fails is reported and the others are
still counted (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from eccentric.app import cli
from eccentric.session import pipeline
from tests.detectors.test_generic import angle_stream, to_chunk

UNITS = ["--acc-unit", "m/s2", "--gyro-unit", "rad/s"]


def write_csv(path: Path, reps: int) -> Path:
    t, ang, _ = angle_stream([1.8] * reps, [50.0] * reps)
    c = to_chunk(t, ang)
    data = np.column_stack([c.t_s, c.acc_mps2, c.gyro_rads])
    np.savetxt(path, data, delimiter=",", header="t,ax,ay,az,gx,gy,gz", comments="")
    return path


def count_json(args: list[str], capsys: pytest.CaptureFixture[str]
               ) -> tuple[int, list[dict[str, Any]], list[str]]:
    rc = cli.main(["count", "--json", *UNITS, *args])
    out, err = capsys.readouterr()
    return rc, [json.loads(line) for line in out.splitlines()], err.splitlines()


def test_a_bad_file_is_reported_and_the_others_are_counted(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_csv(tmp_path / "good.csv", 7)
    bad = tmp_path / "bad.csv"
    bad.write_text("t,ax,ay\n0,1,2\n")
    later = write_csv(tmp_path / "later.csv", 6)
    rc, lines, err = count_json([str(good), str(bad), str(later)], capsys)
    assert rc == 1
    assert [line["file"] for line in lines] == [str(good), str(bad), str(later)]
    assert lines[0]["reps"] == 7 and lines[2]["reps"] == 6
    assert set(lines[1]) == {"file", "error"} and "missing column" in lines[1]["error"]
    assert len(err) == 1 and err[0].startswith(f"eccentric count: {bad}")


def test_an_unexpected_exception_is_one_line_naming_the_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    crash = write_csv(tmp_path / "crash.csv", 5)
    good = write_csv(tmp_path / "good.csv", 7)
    real_run = pipeline.run

    def failing(chunks: Any, config: Any) -> Any:
        if config.session_id == "crash":
            raise IndexError("index -52 is out of bounds\nfor axis 0 with size 27")
        return real_run(chunks, config)

    monkeypatch.setattr(pipeline, "run", failing)  # count imports it when it runs
    rc, lines, err = count_json([str(crash), str(good)], capsys)
    assert rc == 1
    assert lines[0] == {"file": str(crash), "error": f"{crash}: internal error: IndexError: "
                        "index -52 is out of bounds for axis 0 with size 27"}
    assert lines[1]["file"] == str(good) and lines[1]["reps"] == 7
    assert err == [f"eccentric count: {lines[0]['error']}"]  # no traceback


def test_every_file_counted_exits_zero(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    rc, lines, err = count_json([str(write_csv(tmp_path / "a.csv", 7))], capsys)
    assert rc == 0 and lines[0]["reps"] == 7 and err == []


def test_table_output_still_lists_the_good_files(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # short names: the table does not wrap them
    write_csv(tmp_path / "good.csv", 7)
    rc = cli.main(["count", *UNITS, "missing.csv", "good.csv"])
    out, err = capsys.readouterr()
    assert rc == 1
    assert "good.csv" in out and "missing.csv" not in out
    assert err.splitlines() == ["eccentric count: missing.csv: no such file"]


def test_table_shows_holds_for_a_hold_exercise(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["simulate", "--exercise", "side_plank", "--placement", "trunk",
                     "--seed", "11", "--reps", "2", "--side", "right",
                     "--out", "plank.jsonl.gz"]) == 0
    write_csv(tmp_path / "good.csv", 7)
    capsys.readouterr()
    assert cli.main(["count", "--json", "plank.jsonl.gz"]) == 0
    holds = json.loads(capsys.readouterr().out)["holds"]
    assert len(holds) == 2
    monkeypatch.setenv("COLUMNS", "200")  # one line per file: the row is read by columns
    assert cli.main(["count", *UNITS, "plank.jsonl.gz", "good.csv"]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if "holds" in line)
    for col in ("mean hold s", "mean sway °", "hip dips"):
        assert col in header
    cells = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[1:-1]]
             for line in out.splitlines() if line.count("│") > 2}
    plank, csv = cells["plank.jsonl.gz"], cells["good.csv"]
    mean = sum(h["duration_s"] for h in holds) / len(holds)
    sway = sum(h["sway_deg"] for h in holds) / len(holds)
    assert plank[1] == "side_plank" and plank[6] == "2"
    assert plank[7] == f"{mean:.2f}" and plank[8] == f"{sway:.2f}"
    assert plank[9] == str(sum(h["hip_dips"] for h in holds))
    assert csv[6:] == ["–"] * 4  # not a hold exercise: no hold figures


def test_table_shows_bouts_for_a_bout_exercise(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["simulate", "--exercise", "loaded_carry", "--placement", "thigh",
                     "--seed", "21", "--reps", "2", "--out", "carry.jsonl.gz"]) == 0
    capsys.readouterr()
    assert cli.main(["count", "--json", "carry.jsonl.gz"]) == 0
    bouts = json.loads(capsys.readouterr().out)["bouts"]
    assert len(bouts) == 2
    monkeypatch.setenv("COLUMNS", "200")
    assert cli.main(["count", "carry.jsonl.gz"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "carry.jsonl.gz" in line)
    cells = [c.strip() for c in row.split("│")[1:-1]]
    mean = sum(b["duration_s"] for b in bouts) / len(bouts)
    assert cells[1] == "loaded_carry" and cells[6] == "2"
    assert cells[7] == f"{mean:.2f}" and cells[8] == str(sum(b["steps"] for b in bouts))
