"""Matching timed spans (holds, bouts) to their labels, as the hold and bout benchmarks do."""

from eccentric.evaluation.metrics import match_spans, sets_exact


def _span(a: float, b: float, **kw: object) -> dict[str, object]:
    return {"start_s": a, "end_s": b, **kw}


def test_each_truth_takes_the_detection_it_overlaps_most_by_over_half() -> None:
    truth = [_span(0, 10, set=1), _span(20, 30, set=1), _span(40, 50, set=2)]
    det = [_span(1, 9), _span(18, 24), _span(21, 31), _span(60, 70)]
    pairs, free = match_spans(det, truth)
    assert [(t["start_s"], d["start_s"]) for t, d in pairs] == [(0, 1), (20, 21)]
    # 18–24 overlaps 20–30 by only 4 s (under half), 60–70 by nothing.
    assert [d["start_s"] for d in free] == [18, 60]


def test_sets_are_exact_when_midpoints_in_the_set_match_the_true_count() -> None:
    truth = [_span(0, 10, set=1), _span(40, 50, set=2)]
    sets = [_span(0, 10, set=1), _span(40, 50, set=2)]
    # Midpoint 11.5 lies within the 2 s slack after set 1; set 2 has two detections.
    det = [_span(8, 15), _span(40, 45), _span(46, 50)]
    assert sets_exact(det, truth, sets) == [True, False]
