"""Human-readable console sink (rich): one line per rep, hold or bout, one per set."""

from __future__ import annotations

from rich.console import Console

from eccentric.core.events import Event


def _fmt(v: object, unit: str, nd: int = 1) -> str:
    return "–" if not isinstance(v, (int, float)) else f"{v:.{nd}f}{unit}"


class ConsoleSink:
    def __init__(self, console: Console | None = None, athlete: str = "") -> None:
        self.console = console or Console()
        self.athlete = athlete

    def publish_event(self, ev: Event) -> None:
        if ev["type"] == "set" and "exercise_confidence" in ev:
            who0 = f"[magenta]{self.athlete}[/] " if self.athlete else ""
            self.console.print(f"{who0}[green]set {ev['set']}[/]: {ev['exercise']} "
                               f"(recognised, confidence {ev['exercise_confidence']:.2f})")
        who = f"[dim]{self.athlete}[/] " if self.athlete else ""
        if ev["type"] == "rep":
            parts = [f"ecc {_fmt(ev.get('eccentric_s'), ' s')}",
                     f"con {_fmt(ev.get('concentric_s'), ' s')}"]
            if "hold_s" in ev:
                parts.append(f"hold {_fmt(ev['hold_s'], ' s')}")
            if "break_angle_deg" in ev:
                parts.append(f"break {_fmt(ev['break_angle_deg'], '°')}")
            parts.append(f"ROM {_fmt(ev.get('rom_deg'), '°', 0)}")
            if ev.get("side"):
                parts.append(str(ev["side"]))
            mark = "" if ev.get("within_target_tempo", True) else " [red]off tempo[/]"
            self.console.print(
                f"{who}[bold]set {ev['set']} rep {ev['rep_in_set']}[/] "
                f"[cyan]{ev['tempo']}[/]  " + "  ".join(parts) + mark)
        elif ev["type"] == "hold":
            mark = " [red]outside target[/]" if ev.get("outside_target") else ""
            side = f"  {ev['side']}" if ev.get("side") else ""
            self.console.print(
                f"{who}[bold]set {ev['set']} hold {ev['hold_in_set']}[/] "
                f"[cyan]{_fmt(ev.get('duration_s'), ' s')}[/]  "
                f"sway {_fmt(ev.get('sway_deg'), '°')}  hip dips {ev.get('hip_dips', 0)}"
                + side + mark)
        elif ev["type"] == "bout":
            mark = " [red]outside target[/]" if ev.get("outside_target") else ""
            if "steps" in ev:
                counted = f"{ev['steps']} steps  {_fmt(ev.get('cadence_spm'), '/min')}"
            else:
                counted = (f"{ev.get('strokes', 0)} strokes  "
                           f"{_fmt(ev.get('stroke_rate_hz'), ' Hz')}")
            self.console.print(
                f"{who}[bold]set {ev['set']} bout {ev['bout_in_set']}[/] "
                f"[cyan]{_fmt(ev.get('duration_s'), ' s')}[/]  {counted}  "
                f"stops {ev.get('pauses', 0)}" + mark)
        elif ev["type"] == "set" and "bouts" in ev:
            out = (f", {ev['bouts_outside_target']} outside {ev['target_bout']} s"
                   if ev.get("target_bout") else "")
            self.console.print(
                f"{who}[green]set {ev['set']} done[/]: {ev['bouts']} bouts, "
                f"{_fmt(ev.get('duration_s_mean'), ' s')} mean" + out)
        elif ev["type"] == "set" and "holds" in ev:
            out = (f", {ev['holds_outside_target']} outside {ev['target_hold']} s"
                   if ev.get("target_hold") else "")
            self.console.print(
                f"{who}[green]set {ev['set']} done[/]: {ev['holds']} holds, "
                f"{_fmt(ev.get('duration_s_mean'), ' s')} mean" + out)
        elif ev["type"] == "set":
            trend = ", ".join(f"{k} {v:+.0f}%" for k, v in ev.get("trend_pct", {}).items())
            self.console.print(
                f"{who}[green]set {ev['set']} done[/]: {ev['reps']} reps, "
                f"ecc {_fmt(ev.get('eccentric_s_mean'), ' s')} ± "
                f"{_fmt(ev.get('eccentric_s_sd'), ' s')}" + (f"  trend: {trend}" if trend else ""))
        elif ev["type"] == "rest" and ev["state"] != "running":
            # The running ticks (1 Hz) are for timers (watch, dashboard), not a log.
            target = (f" of {ev['target_s']:.0f} s ({ev['status']})"
                      if "target_s" in ev else "")
            what = "rest" if ev["state"] == "start" else "rested"
            self.console.print(f"{who}[blue]{what} {ev['elapsed_s']:.0f} s{target}[/]")
        elif ev["type"] == "nonrep":
            self.console.print(
                f"{who}[dim]not counted ({ev['reason']}) at {ev['start_s']:.1f} s[/]")
        elif ev["type"] == "status" and ev.get("event") == "no_start_pose":
            self.console.print(f"{who}[bold yellow]{ev['message']}[/] (at {ev['t_s']:.1f} s)")
        elif ev["type"] == "alert":
            self.console.print(f"{who}[bold red]ALERT set {ev['set']}: {ev['message']}[/]")
        elif ev["type"] == "plan":
            self.console.print(f"{who}[bold magenta]plan: {plan_line(ev)}[/]")
        elif ev["type"] == "command":
            outcome = "applied" if ev["ok"] else f"refused: {ev['error']['message']}"
            self.console.print(f"{who}[magenta]coach {ev['command']} {outcome} "
                               f"at {ev['t_s']:.1f} s[/]")
        elif ev["type"] == "status" and ev.get("event") == "calibration":
            self.console.print(f"{who}[magenta]{ev['message']}[/] (at {ev['t_s']:.1f} s)")
        elif ev["type"] == "status" and ev.get("event") == "gap":
            self.console.print(
                f"{who}[yellow]data gap {ev['gap_s']:.2f} s at {ev['start_s']:.1f} s[/]")

    def close(self) -> None:
        pass


def plan_line(ev: Event) -> str:
    """A ``plan`` event in one line: what comes next."""
    cur = ev.get("current")
    if ev.get("state") == "done" or not isinstance(cur, dict):
        return "all blocks done"
    reps = f" x {cur['reps']}" + (" per leg" if cur.get("per_leg") else "") \
        if cur.get("reps") else ""
    tempo = f" at {cur['target_tempo']}" if cur.get("target_tempo") else ""
    rest = f", rest {cur['rest_s']:g} s" if cur.get("rest_s") is not None else ""
    return (f"next up block {ev['block']}/{ev['blocks']}: {cur['sets']} sets "
            f"{str(cur['exercise']).replace('_', ' ')}{reps}{tempo}{rest}")
