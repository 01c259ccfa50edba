"""``eccentric history [ATHLETE]``: an athlete's sessions, baseline and trend.

One row per session (its sets, reps, mean eccentric time, break angle, ROM, and the L/R
asymmetry in its band: green < 10 %, amber 10–25 %, red > 25 %), then per exercise the
baseline (median of the first sessions), the latest value and the trend. ``--csv FILE``
(``-``: standard output) writes the session rows instead.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from eccentric.app.commands.history_args import add_db_argument, db_path

BAND_STYLE = {"green": "green", "amber": "dark_orange", "red": "bold red"}


def add_parser(sub: Any) -> None:
    p = sub.add_parser("history", help="an athlete's sessions, baseline and trend",
                       description=__doc__.split("\n\n")[1] if __doc__ else None)
    p.add_argument("athlete", nargs="?", default=None, metavar="ATHLETE",
                   help="whose history (default: every athlete)")
    p.add_argument("--exercise", default=None, help="only this exercise")
    add_db_argument(p)
    p.add_argument("--sets", action="store_true",
                   help="one row per set instead of per session")
    p.add_argument("--csv", default=None, metavar="FILE|-",
                   help="write the rows as CSV to FILE (- : standard output)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from eccentric.history import queries
    from eccentric.history.store import HistoryError, reading

    path = db_path(args)
    with reading(path) as conn:
        summaries = queries.sessions(conn, args.athlete, args.exercise)
        known = sorted({s.athlete for s in queries.sessions(conn)}) if not summaries else []
        sets = queries.set_rows(conn, summaries) if args.sets else []
    if not summaries:
        who = f" for athlete {args.athlete!r}" if args.athlete else ""
        raise HistoryError(f"{path}: no sessions{who}"
                           + (f" of {args.exercise}" if args.exercise else "")
                           + (f" (athletes: {', '.join(known)})" if known else ""))
    if args.sets and not sets:
        raise HistoryError(f"{path}: no reps in these sessions")
    if args.csv is not None:
        write_csv(sets if args.sets else [s.as_row() for s in summaries], args.csv)
        return 0
    if args.sets:
        print_sets(sets)
    else:
        print_tables(summaries)
    return 0


def write_csv(rows: list[dict[str, Any]], target: str) -> None:
    import csv

    if target == "-":
        _write(csv.DictWriter(sys.stdout, fieldnames=list(rows[0])), rows)
        return
    with open(target, "w", newline="", encoding="utf-8") as f:
        _write(csv.DictWriter(f, fieldnames=list(rows[0])), rows)


def _write(writer: Any, rows: list[dict[str, Any]]) -> None:
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in rows)


def _fmt(v: float | None, nd: int = 1, sign: bool = False) -> str:
    if v is None:
        return "–"
    return f"{v:+.{nd}f}" if sign else f"{v:.{nd}f}"


def print_tables(summaries: list[Any]) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from eccentric.history import queries

    console = Console()
    groups: dict[tuple[str, str], list[Any]] = {}
    for s in summaries:
        groups.setdefault((s.athlete, s.exercise), []).append(s)
    # A narrow terminal (80 columns) gets the date only and no ROM, so the figures and
    # the status keep their room; the session id folds.
    wide = console.width >= 110
    cols = ["started UTC", "session", "sets", "reps", "ecc s", "break °",
            *(["ROM °"] if wide else []), "L/R %", "status"]
    for (athlete, exercise), items in groups.items():
        table = Table(title=f"{athlete} — {exercise.replace('_', ' ')}", title_justify="left",
                      box=box.SIMPLE_HEAD, pad_edge=False)
        for col in cols:
            table.add_column(col, justify="left" if col in ("session", "status", "started UTC")
                             else "right", no_wrap=col != "session", overflow="fold",
                             min_width=12 if col == "session" else None)
        for s in items:
            m = s.metrics
            asym = _fmt(m.get("asymmetry_pct"))
            if s.band is not None:
                asym = f"[{BAND_STYLE[s.band]}]{asym} {s.band}[/]"
            row = [s.started_utc[:16 if wide else 10].replace("T", " "), s.id, str(s.sets),
                   str(s.reps or s.holds or s.bouts), _fmt(m.get("eccentric_s"), 2),
                   _fmt(m.get("break_angle_deg")),
                   *([_fmt(m.get("rom_deg"), 0)] if wide else []), asym, s.status]
            table.add_row(*row)
        console.print(table)
        trend = Table(title=f"baseline (median of first {queries.BASELINE_SESSIONS}) and trend",
                      title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        for col in ("metric", "sessions", "baseline", "latest", "change %", "per session"):
            trend.add_column(col, justify="left" if col == "metric" else "right")
        labels = dict(queries.METRICS)
        for t in queries.trends(items):
            if t.sessions == 0:
                continue
            trend.add_row(labels[t.metric], str(t.sessions), _fmt(t.baseline, 2),
                          _fmt(t.latest, 2), _fmt(t.change_pct, 1, sign=True),
                          _fmt(t.slope_per_session, 2, sign=True))
        console.print(trend)


def print_sets(rows: list[dict[str, Any]]) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    cols = [("athlete", "athlete"), ("session", "session"), ("set", "set"), ("side", "side"),
            ("reps", "reps"), ("eccentric_s", "ecc s"), ("break_angle_deg", "break °"),
            ("rom_deg", "ROM °"), ("reps_off_target", "off target"), ("status", "status")]
    for key, label in cols:
        table.add_column(label, justify="right" if key in (
            "set", "reps", "eccentric_s", "break_angle_deg", "rom_deg", "reps_off_target")
            else "left", no_wrap=key != "session", overflow="fold")
    for r in rows:
        table.add_row(*("–" if r[k] is None else
                        _fmt(r[k], 2 if k == "eccentric_s" else 1 if k != "rom_deg" else 0)
                        if isinstance(r[k], float) else str(r[k]) for k, _ in cols))
    Console().print(table)
