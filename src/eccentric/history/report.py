"""The session report: one self-contained HTML page (inline CSS and SVG, no script, no
network) that a coach opens or prints.

Charts are pure functions from figures to SVG strings: per-rep angle curves of each set,
eccentric-time bars against the target tempo, the break angle (or eccentric time) across
the athlete's sessions, and the left/right balance in its asymmetry band. Every text that
came from data is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from eccentric.core.errors import EccentricError
from eccentric.history.queries import METRICS, SessionSummary, asymmetry_band, trends
from eccentric.session.tempo import parse_tempo

W, H = 460, 220  # chart size (px at 100 %): two side by side on a printed page
PAD_L, PAD_R, PAD_T, PAD_B = 44, 12, 12, 30
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")
BAND_COLOUR = {"green": "#2e7d32", "amber": "#ef8f00", "red": "#c62828"}


def _nice_max(v: float) -> float:
    """A round axis end at or above ``v``."""
    if v <= 0:
        return 1.0
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500):
        if v <= step * 5:
            return float(step * int(-(-v // step)))
    return v


def _axes(x_label: str, y_label: str, y_lo: float, y_hi: float, x_lo: float, x_hi: float,
          ticks: int = 4, x_ticks: Sequence[tuple[float, str]] | None = None) -> list[str]:
    out = [f'<line x1="{PAD_L}" y1="{H - PAD_B}" x2="{W - PAD_R}" y2="{H - PAD_B}" '
           'class="axis"/>',
           f'<line x1="{PAD_L}" y1="{PAD_T}" x2="{PAD_L}" y2="{H - PAD_B}" class="axis"/>']
    for i in range(ticks + 1):
        v = y_lo + (y_hi - y_lo) * i / ticks
        y = _sy(v, y_lo, y_hi)
        out.append(f'<line x1="{PAD_L}" y1="{y:.1f}" x2="{W - PAD_R}" y2="{y:.1f}" '
                   'class="grid"/>')
        out.append(f'<text x="{PAD_L - 4}" y="{y + 4:.1f}" text-anchor="end">{v:g}</text>')
    if x_ticks is None:
        x_ticks = [(x_lo + (x_hi - x_lo) * i / ticks, f"{x_lo + (x_hi - x_lo) * i / ticks:.3g}")
                   for i in range(ticks + 1)]
    for v, text in x_ticks:
        out.append(f'<text x="{_sx(v, x_lo, x_hi):.1f}" y="{H - PAD_B + 14}" '
                   f'text-anchor="middle">{escape(text)}</text>')
    out.append(f'<text x="{(PAD_L + W - PAD_R) / 2:.0f}" y="{H - 4}" text-anchor="middle" '
               f'class="label">{escape(x_label)}</text>')
    out.append(f'<text x="10" y="{(PAD_T + H - PAD_B) / 2:.0f}" text-anchor="middle" '
               f'class="label" transform="rotate(-90 10 {(PAD_T + H - PAD_B) / 2:.0f})">'
               f'{escape(y_label)}</text>')
    return out


def _sx(v: float, lo: float, hi: float) -> float:
    return PAD_L + (v - lo) / ((hi - lo) or 1.0) * (W - PAD_L - PAD_R)


def _sy(v: float, lo: float, hi: float) -> float:
    return H - PAD_B - (v - lo) / ((hi - lo) or 1.0) * (H - PAD_T - PAD_B)


def _svg(body: list[str], title: str) -> str:
    return (f'<svg viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
            + "".join(body) + "</svg>")


def rep_curves_svg(reps: Sequence[dict[str, Any]], title: str) -> str:
    """Each rep's angle (deg) against time from its start (s), one line per rep."""
    curves = [(r, r["curve"]) for r in reps if r.get("curve")]
    if not curves:
        return '<p class="none">no angle curves stored for this set</p>'
    x_hi = _nice_max(max(c["t_s"][-1] - c["t_s"][0] for _, c in curves))
    y_hi = _nice_max(max(max(c["angle_deg"]) for _, c in curves))
    y_lo = min(0.0, min(min(c["angle_deg"]) for _, c in curves))
    body = _axes("time from rep start (s)", "angle (°)", y_lo, y_hi, 0.0, x_hi)
    legend = []
    for i, (rep, c) in enumerate(curves):
        colour = PALETTE[i % len(PALETTE)]
        t0 = c["t_s"][0]
        pts = " ".join(f"{_sx(t - t0, 0, x_hi):.1f},{_sy(a, y_lo, y_hi):.1f}"
                       for t, a in zip(c["t_s"], c["angle_deg"], strict=True))
        body.append(f'<polyline class="rep-curve" points="{pts}" stroke="{colour}" '
                    f'data-rep="{escape(str(rep["id"]))}"/>')
        brk_t, brk_deg = rep.get("break_t_s"), rep.get("break_angle_deg")
        if isinstance(brk_t, (int, float)) and isinstance(brk_deg, (int, float)):
            # Where the athlete stopped controlling the descent (Nordic break point).
            body.append(f'<circle class="break" cx="{_sx(brk_t - t0, 0, x_hi):.1f}" '
                        f'cy="{_sy(brk_deg, y_lo, y_hi):.1f}" r="3.5" fill="{colour}">'
                        f'<title>rep {int(rep["rep_in_set"])} break point {brk_deg:.1f}°'
                        '</title></circle>')
        legend.append(f'<text x="{W - PAD_R - 4}" y="{PAD_T + 12 + 12 * i}" '
                      f'text-anchor="end" fill="{colour}">rep {int(rep["rep_in_set"])}</text>')
    return _svg(body + legend, title)


def tempo_bars_svg(reps: Sequence[dict[str, Any]], target_tempo: str | None, title: str) -> str:
    """Each rep's eccentric time (s) as a bar, the target's eccentric time as a line;
    bars of reps outside the target tempo are red."""
    if not reps:
        return '<p class="none">no reps</p>'
    target = None
    if target_tempo:
        try:
            target = parse_tempo(target_tempo).eccentric_s
        except EccentricError:
            target = None
    values = [float(r.get("eccentric_s") or 0.0) for r in reps]
    y_hi = _nice_max(max([*values, target or 0.0]) * 1.1)
    n = len(reps)
    body = _axes("rep", "eccentric time (s)", 0.0, y_hi, 0.5, n + 0.5,
                 x_ticks=[(i + 1.0, str(r.get("rep_in_set", i + 1))) for i, r in enumerate(reps)])
    slot = (W - PAD_L - PAD_R) / n
    for i, (rep, v) in enumerate(zip(reps, values, strict=True)):
        x = PAD_L + i * slot + slot * 0.15
        y = _sy(v, 0.0, y_hi)
        off = rep.get("within_target_tempo") is False
        body.append(f'<rect class="tempo-bar{" off" if off else ""}" x="{x:.1f}" y="{y:.1f}" '
                    f'width="{slot * 0.7:.1f}" height="{H - PAD_B - y:.1f}">'
                    f'<title>rep {escape(str(rep.get("rep_in_set")))}: {v:.2f} s, tempo '
                    f'{escape(str(rep.get("tempo")))}</title></rect>')
    if target is not None:
        y = _sy(target, 0.0, y_hi)
        body.append(f'<line class="target" x1="{PAD_L}" y1="{y:.1f}" x2="{W - PAD_R}" '
                    f'y2="{y:.1f}"/><text x="{W - PAD_R - 4}" y="{y - 4:.1f}" '
                    f'text-anchor="end" class="target-label">target {target:g} s</text>')
    return _svg(body, title)


def trend_svg(history: Sequence[SessionSummary], metric: str, label: str, current: str,
              title: str) -> str:
    """``metric`` per session, oldest first, with the baseline dashed; the current
    session's point is ringed."""
    pts = [(i, s.metrics.get(metric), s.id) for i, s in enumerate(history)]
    known = [(i, v, sid) for i, v, sid in pts if v is not None]
    if not known:
        return f'<p class="none">no {escape(label)} in these sessions</p>'
    y_hi = _nice_max(max(v for _, v, _ in known) * 1.15)
    n = max(len(history), 2)
    body = _axes("session", label, 0.0, y_hi, 1, n,
                 x_ticks=[(float(i), str(i)) for i in range(1, n + 1)
                          if n <= 10 or i in (1, n) or i % 5 == 0])
    line = " ".join(f"{_sx(i + 1, 1, n):.1f},{_sy(v, 0, y_hi):.1f}" for i, v, _ in known)
    body.append(f'<polyline class="trend" points="{line}"/>')
    for i, v, sid in known:
        ring = " current" if sid == current else ""
        body.append(f'<circle class="trend-point{ring}" cx="{_sx(i + 1, 1, n):.1f}" '
                    f'cy="{_sy(v, 0, y_hi):.1f}" r="{5 if ring else 3.5}">'
                    f'<title>{escape(sid)}: {v:.2f}</title></circle>')
    base = next(t for t in trends(list(history)) if t.metric == metric).baseline
    if base is not None:
        y = _sy(base, 0, y_hi)
        body.append(f'<line class="baseline" x1="{PAD_L}" y1="{y:.1f}" x2="{W - PAD_R}" '
                    f'y2="{y:.1f}"/><text x="{PAD_L + 4}" y="{y - 4:.1f}" '
                    f'class="target-label">baseline {base:.2f}</text>')
    return _svg(body, title)


def balance_svg(left: float | None, right: float | None, unit: str, title: str) -> str:
    """Left and right mean (eccentric time, or hold duration) as two horizontal bars,
    coloured by the asymmetry band."""
    if left is None or right is None:
        what = ("one side only" if (left is None) != (right is None)
                else "no single-leg work (both legs, or no side given)")
        return f'<p class="none">{what}: no left/right balance</p>'
    pct = 100.0 * abs(left - right) / max(left, right, 1e-9)
    band = asymmetry_band(pct) or "green"
    hi = _nice_max(max(left, right) * 1.1)
    h = 110
    body = []
    for k, (name, v) in enumerate((("left", left), ("right", right))):
        y = 14 + k * 40
        width = (W - 120) * v / hi
        body.append(f'<text x="50" y="{y + 18}" text-anchor="end">{name}</text>'
                    f'<rect class="balance-bar" x="60" y="{y}" width="{width:.1f}" height="26" '
                    f'fill="{BAND_COLOUR[band]}"/><text x="{66 + width:.1f}" y="{y + 18}">'
                    f'{v:.2f} {escape(unit)}</text>')
    body.append(f'<text x="60" y="{h - 6}" class="label band-{band}">asymmetry {pct:.1f} % '
                f'({band})</text>')
    return (f'<svg viewBox="0 0 {W} {h}" width="{W}" height="{h}" role="img" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
            + "".join(body) + "</svg>")


def _side_means(items: Sequence[dict[str, Any]], key: str) -> tuple[float | None, float | None]:
    def mean(side: str) -> float | None:
        vs = [float(r[key]) for r in items if r.get("side") == side
              and isinstance(r.get(key), (int, float))]
        return sum(vs) / len(vs) if vs else None

    return mean("left"), mean("right")


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;
max-width:60em;padding:0 1em;color:#222}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em;
border-bottom:1px solid #ccc}h3{font-size:1em}
.meta{color:#555}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left}
svg{max-width:100%;height:auto;font-size:11px;background:#fff}
.axis{stroke:#444}.grid{stroke:#e4e4e4}.label{fill:#444;font-size:12px}
.rep-curve{fill:none;stroke-width:1.6}.break{stroke:#fff;stroke-width:1}.trend{fill:none;stroke:#1f77b4;stroke-width:2}
.trend-point{fill:#1f77b4}.trend-point.current{fill:#fff;stroke:#d62728;stroke-width:3}
.tempo-bar{fill:#1f77b4}.tempo-bar.off{fill:#c62828}
.target,.baseline{stroke:#2e7d32;stroke-dasharray:6 4;stroke-width:1.5}
.target-label{fill:#2e7d32}.none{color:#777;font-style:italic}
.band-green{fill:#2e7d32;color:#2e7d32}.band-amber{fill:#ef8f00;color:#ef8f00}
.band-red{fill:#c62828;color:#c62828}
.charts{display:flex;flex-wrap:wrap;gap:1em}.charts figure{margin:0}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}
figure,table{break-inside:avoid}}
"""


def _fmt(v: Any, nd: int = 2) -> str:
    return "–" if not isinstance(v, (int, float)) or isinstance(v, bool) else f"{v:.{nd}f}"


def report_html(detail: dict[str, Any]) -> str:
    """The whole page for one session (``queries.session_detail``)."""
    s: SessionSummary = detail["summary"]
    reps: list[dict[str, Any]] = detail["reps"]
    sets: list[dict[str, Any]] = detail["sets"]
    history: list[SessionSummary] = detail["history"]
    ex = s.exercise.replace("_", " ")
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
             f"<title>{escape(s.athlete)} — {escape(ex)} — {escape(s.id)}</title>"
             f"<style>{CSS}</style></head><body>",
             f"<h1>{escape(s.athlete)}: {escape(ex)}</h1>",
             f"<p class='meta'>session <code>{escape(s.id)}</code> · started "
             f"{escape(s.started_utc[:19].replace('T', ' '))} UTC · {escape(s.status)}"
             + (f" · target tempo {escape(s.target_tempo)}" if s.target_tempo else "")
             + "</p>"]
    parts.append("<h2>Summary</h2><table><tr><th>sets</th><th>reps</th><th>holds</th>"
                 "<th>bouts</th>" + "".join(f"<th>{escape(lbl)}</th>" for _, lbl in METRICS)
                 + "</tr><tr>" + f"<td>{s.sets}</td><td>{s.reps}</td><td>{s.holds}</td>"
                 f"<td>{s.bouts}</td>"
                 + "".join(f"<td>{_fmt(s.metrics.get(k))}</td>" for k, _ in METRICS)
                 + "</tr></table>")
    set_numbers = sorted({int(r["set"]) for r in reps})
    closed = {int(e["set"]): e for e in sets}
    for n in set_numbers:
        in_set = [r for r in reps if int(r["set"]) == n]
        info = closed.get(n)
        state = "" if info is not None else " (not closed: the session stopped inside it)"
        parts.append(f"<h2>Set {n}{escape(state)}</h2>")
        parts.append("<div class='charts'><figure>"
                     + rep_curves_svg(in_set, f"set {n}: angle of each rep")
                     + "<figcaption>angle of each rep from its start (dots: break "
                       "points)</figcaption></figure>"
                     + "<figure>" + tempo_bars_svg(in_set, s.target_tempo,
                                                   f"set {n}: eccentric time per rep")
                     + "<figcaption>eccentric time per rep (red: off the target tempo)"
                       "</figcaption></figure></div>")
        parts.append(_rep_table(in_set))
    if not reps and (detail["holds"] or detail["bouts"]):
        parts.append("<h2>Holds and bouts</h2>" + _timed_table(detail["holds"] + detail["bouts"]))
    parts.append("<h2>Across sessions</h2>")
    metric, label = (("break_angle_deg", "break angle (°)")
                     if any(h.metrics.get("break_angle_deg") is not None for h in history)
                     else ("eccentric_s", "eccentric time (s)"))
    parts.append("<figure>" + trend_svg(history, metric, label, s.id,
                                        f"{label} across sessions")
                 + f"<figcaption>{escape(label)} per session ({len(history)} of "
                   f"{escape(ex)}), this one ringed; dashed: baseline</figcaption></figure>")
    parts.append("<h2>Left / right balance</h2>")
    if reps:
        left, right = _side_means(reps, "eccentric_s")
        unit = "s eccentric"
    else:
        left, right = _side_means(detail["holds"], "duration_s")
        unit = "s hold"
    other = next((h for h in history if h.id == s.paired_with), None)
    note = ""
    if other is not None:  # one leg per session: the other leg's from its session
        left = left if left is not None else other.side_means.get("left")
        right = right if right is not None else other.side_means.get("right")
        note = f"; the other leg from session {escape(other.id)}"
    parts.append("<figure>" + balance_svg(left, right, unit, "left/right balance")
                 + "<figcaption>bands: &lt; 10 % green, 10–25 % amber, &gt; 25 % red" + note
                 + "</figcaption></figure>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _rep_table(reps: Sequence[dict[str, Any]]) -> str:
    cols = [("rep_in_set", "rep", 0), ("tempo", "tempo", None), ("eccentric_s", "ecc s", 2),
            ("concentric_s", "con s", 2), ("rom_deg", "ROM °", 1),
            ("break_angle_deg", "break °", 1), ("side", "side", None)]
    head = "".join(f"<th>{lbl}</th>" for _, lbl, _ in cols)
    body = []
    for r in reps:
        cells = []
        for key, _, nd in cols:
            v = r.get(key)
            cells.append(f"<td>{escape(str(v)) if nd is None else _fmt(v, nd)}</td>"
                         if v is not None else "<td>–</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table class='reps'><tr>{head}</tr>{''.join(body)}</table>"


def _timed_table(items: Sequence[dict[str, Any]]) -> str:
    body = "".join(f"<tr><td>{escape(str(e.get('type')))}</td><td>{e.get('set')}</td>"
                   f"<td>{escape(str(e.get('side') or '–'))}</td>"
                   f"<td>{_fmt(e.get('duration_s'))}</td></tr>" for e in items)
    return ("<table><tr><th>what</th><th>set</th><th>side</th><th>duration s</th></tr>"
            f"{body}</table>")
