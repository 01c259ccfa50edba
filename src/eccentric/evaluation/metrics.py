"""Pure scoring functions: detected rep events vs labelled reps, all times in seconds.

A detected rep matches a labelled one when their [start, end] intervals overlap by at
least half of their union (IoU ≥ 0.5), one-to-one, in time order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eccentric.session.pose_recovery import FLAG as AFTER_GAP_FLAG

MIN_IOU = 0.5


def iou(a0: float, a1: float, b0: float, b1: float) -> float:
    inter = max(0.0, min(a1, b1) - max(a0, b0))
    union = max(a1, b1) - min(a0, b0)
    return inter / union if union > 0 else 0.0


def match_reps(detected: list[dict[str, Any]], truth: list[dict[str, Any]]
               ) -> list[tuple[int, int]]:
    """Greedy one-to-one matching by best IoU; returns (detected index, truth index)."""
    pairs = sorted(
        ((iou(d["start_s"], d["end_s"], t["start_s"], t["end_s"]), i, j)
         for i, d in enumerate(detected) for j, t in enumerate(truth)),
        reverse=True,
    )
    used_d: set[int] = set()
    used_t: set[int] = set()
    out: list[tuple[int, int]] = []
    for score, i, j in pairs:
        if score < MIN_IOU:
            break
        if i in used_d or j in used_t:
            continue
        used_d.add(i)
        used_t.add(j)
        out.append((i, j))
    return sorted(out)


def boundaries(rep: dict[str, Any]) -> dict[str, float]:
    """Named boundary times of a rep: ``<phase>.start`` for each phase, plus ``end``."""
    out = {f"{p['name']}.start": float(p["start_s"]) for p in rep.get("phases", [])}
    out["end"] = float(rep["end_s"])
    return out


@dataclass
class FileScore:
    """Scores for one recording; ``sets`` lists (true, detected) counts per labelled set."""

    file: str
    true_reps: int
    detected_reps: int
    matched: int
    sets: list[tuple[int, int]] = field(default_factory=list)
    boundary_errors_s: list[float] = field(default_factory=list)
    break_angle_errors_deg: list[float] = field(default_factory=list)
    break_missing: int = 0
    break_spurious: int = 0
    duration_errors_s: dict[str, list[float]] = field(default_factory=dict)
    latencies_s: list[float] = field(default_factory=list)
    gap_latencies_s: list[float] = field(default_factory=list)


DURATION_FIELDS = ("eccentric_s", "concentric_s", "hold_s", "controlled_eccentric_s")


def score_file(name: str, detected: list[dict[str, Any]], labels: list[dict[str, Any]]
               ) -> FileScore:
    truth = [lab for lab in labels if lab.get("label") == "rep"]
    sets = [lab for lab in labels if lab.get("label") == "set"]
    pairs = match_reps(detected, truth)
    score = FileScore(name, len(truth), len(detected), len(pairs))
    for s in sets:
        n_true = sum(1 for t in truth if t.get("set") == s["set"])
        # A detection belongs to the labelled set its midpoint falls in.
        n_det = sum(1 for d in detected
                    if s["start_s"] - 1.0 <= (d["start_s"] + d["end_s"]) / 2 <= s["end_s"] + 1.0)
        score.sets.append((n_true, n_det))
    for i, j in pairs:
        d, t = detected[i], truth[j]
        bd, bt = boundaries(d), boundaries(t)
        score.boundary_errors_s += [abs(bd[k] - bt[k]) for k in bt if k in bd]
        score.boundary_errors_s.append(abs(float(d["start_s"]) - float(t["start_s"])))
        if t.get("break_angle_deg") is None and d.get("break_angle_deg") is not None:
            score.break_spurious += 1
        if t.get("break_angle_deg") is not None:
            if d.get("break_angle_deg") is None:
                score.break_missing += 1
            else:
                score.break_angle_errors_deg.append(
                    abs(float(d["break_angle_deg"]) - float(t["break_angle_deg"])))
        for f in DURATION_FIELDS:
            if t.get(f) is not None and d.get(f) is not None:
                score.duration_errors_s.setdefault(f, []).append(abs(float(d[f]) - float(t[f])))
        if d.get("decided_s") is not None:
            # A rep that ends inside a data gap can only be decided when data resumes,
            # and one whose start pose was lost in a gap only once the pose is learnt
            # again (pose_recovery): their delay measures the link, not the detector,
            # and is kept apart.
            lat = float(d["decided_s"]) - float(t["end_s"])
            flags = [str(f) for f in d.get("flags", [])]
            if AFTER_GAP_FLAG in flags or any(f.startswith("gap:") for f in flags):
                score.gap_latencies_s.append(lat)
            else:
                score.latencies_s.append(lat)
    return score


@dataclass
class Summary:
    files: int
    sets: int
    exact_set_pct: float
    within1_set_pct: float
    precision: float
    recall: float
    f1: float
    boundary_mae_ms: float | None
    break_angle_mae_deg: float | None
    break_missing: int
    break_spurious: int
    break_n: int
    duration_mae_ms: dict[str, float]
    latency_max_s: float | None
    latency_p95_s: float | None
    gap_latency_max_s: float | None = None  # reps held up by a data gap (see above)


def _mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def summarise(scores: list[FileScore]) -> Summary:
    sets = [s for sc in scores for s in sc.sets]
    n_sets = len(sets)
    exact = sum(1 for t, d in sets if t == d)
    within1 = sum(1 for t, d in sets if abs(t - d) <= 1)
    det = sum(s.detected_reps for s in scores)
    tru = sum(s.true_reps for s in scores)
    mat = sum(s.matched for s in scores)
    precision = mat / det if det else (1.0 if tru == 0 else 0.0)
    recall = mat / tru if tru else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    bounds = [e for s in scores for e in s.boundary_errors_s]
    angles = [e for s in scores for e in s.break_angle_errors_deg]
    durs: dict[str, list[float]] = {}
    for s in scores:
        for k, v in s.duration_errors_s.items():
            durs.setdefault(k, []).extend(v)
    lat = sorted(x for s in scores for x in s.latencies_s)
    bmae = _mean(bounds)
    amae = _mean(angles)
    return Summary(
        files=len(scores), sets=n_sets,
        exact_set_pct=100.0 * exact / n_sets if n_sets else 0.0,
        within1_set_pct=100.0 * within1 / n_sets if n_sets else 0.0,
        precision=precision, recall=recall, f1=f1,
        boundary_mae_ms=None if bmae is None else 1000.0 * bmae,
        break_angle_mae_deg=amae,
        break_missing=sum(s.break_missing for s in scores),
        break_spurious=sum(s.break_spurious for s in scores),
        break_n=len(angles),
        duration_mae_ms={k: 1000.0 * (sum(v) / len(v)) for k, v in durs.items() if v},
        latency_max_s=lat[-1] if lat else None,
        latency_p95_s=lat[min(len(lat) - 1, int(0.95 * len(lat)))] if lat else None,
        gap_latency_max_s=max((x for s in scores for x in s.gap_latencies_s), default=None),
    )


# -- timed spans (holds, bouts): matched by overlap, counted per labelled set ----------


def overlap_s(a: dict[str, Any], b: dict[str, Any]) -> float:
    """Seconds two ``start_s``/``end_s`` spans share."""
    return max(0.0, min(float(a["end_s"]), float(b["end_s"]))
               - max(float(a["start_s"]), float(b["start_s"])))


def match_spans(detected: list[dict[str, Any]], truth: list[dict[str, Any]]
                ) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], list[dict[str, Any]]]:
    """(true, detected) pairs and the unmatched detections: each true span takes the
    free detection it overlaps most, if by more than half its own length."""
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    free = list(detected)
    for t in truth:
        best = max(free, key=lambda d: overlap_s(d, t), default=None)
        if best is not None and overlap_s(best, t) > 0.5 * (t["end_s"] - t["start_s"]):
            pairs.append((t, best))
            free.remove(best)
    return pairs, free


def sets_exact(detected: list[dict[str, Any]], truth: list[dict[str, Any]],
               sets: list[dict[str, Any]], slack_s: float = 2.0) -> list[bool]:
    """Per labelled set: as many detections (by midpoint, within ``slack_s``) as truths."""
    out: list[bool] = []
    for s in sets:
        n_true = sum(1 for t in truth if t["set"] == s["set"])
        n_det = sum(1 for d in detected
                    if s["start_s"] - slack_s <= 0.5 * (d["start_s"] + d["end_s"])
                    <= s["end_s"] + slack_s)
        out.append(n_true == n_det)
    return out
