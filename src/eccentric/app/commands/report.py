"""``eccentric report SESSION``: one session's report, as a page a coach opens or prints.

``SESSION`` is a session id as in the events (``<recording>@<run id>``), a unique start
of one, or ``latest``. ``--html FILE`` writes the page (charts inline, no network
needed); without it a short text summary is printed.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from eccentric.app.commands.history_args import add_db_argument, db_path


def add_parser(sub: Any) -> None:
    p = sub.add_parser("report", help="one session's report (HTML with charts)",
                       description=__doc__.split("\n\n")[1] if __doc__ else None)
    p.add_argument("session", metavar="SESSION", help="session id, its start, or latest")
    add_db_argument(p)
    p.add_argument("--html", type=Path, default=None, metavar="FILE",
                   help="write the report page to FILE")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from eccentric.history import queries
    from eccentric.history.report import report_html
    from eccentric.history.store import HistoryError, reading

    path = db_path(args)
    with reading(path) as conn:
        sid = queries.resolve_session(conn, args.session)
        if sid is None:
            raise HistoryError(f"{path}: no session {args.session!r} (see 'eccentric "
                               "history' for the ids)")
        detail = queries.session_detail(conn, sid)
    if args.html is not None:
        try:
            args.html.write_text(report_html(detail), encoding="utf-8")
        except OSError as exc:
            raise HistoryError(f"{args.html}: cannot write the report: {exc}") from None
        print(f"report of {sid} written to {args.html}")
        return 0
    s = detail["summary"]
    print(f"{s.athlete}: {s.exercise} — session {sid} ({s.status}), {s.sets} sets, "
          f"{s.reps} reps, {s.holds} holds, {s.bouts} bouts")
    for rep in detail["reps"]:
        print(f"  set {rep['set']} rep {rep['rep_in_set']}: tempo {rep.get('tempo')}, "
              f"eccentric {rep.get('eccentric_s')} s"
              + (f", break {rep['break_angle_deg']}°" if "break_angle_deg" in rep else ""))
    return 0
