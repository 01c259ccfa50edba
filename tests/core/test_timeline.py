import numpy as np

from eccentric.core.chunk import ImuChunk
from eccentric.core.timing import TimelineGuard


def chunk(t: list[float]) -> ImuChunk:
    n = len(t)
    return ImuChunk.from_arrays(np.array(t), np.tile([0, 0, 9.8], (n, 1)), np.zeros((n, 3)))


def test_duplicates_out_of_order_and_gaps_counted() -> None:
    g = TimelineGuard(rate_hz=100)
    a, gaps_a = g.process(chunk([0.00, 0.01, 0.02, 0.02, 0.015, 0.03]))
    assert a.t_s.tolist() == [0.00, 0.01, 0.02, 0.03]
    assert gaps_a == []
    b, gaps_b = g.process(chunk([0.03, 0.04, 0.20, 0.21]))
    assert b.t_s.tolist() == [0.04, 0.20, 0.21]
    assert len(gaps_b) == 1 and gaps_b[0].start_s == 0.04 and gaps_b[0].end_s == 0.20
    s = g.stats
    assert (s.duplicates, s.out_of_order, s.gaps, s.samples) == (2, 1, 1, 7)


def test_gap_across_chunk_boundary() -> None:
    g = TimelineGuard(rate_hz=50)
    g.process(chunk([0.0, 0.02]))
    _, gaps = g.process(chunk([0.5, 0.52]))
    assert [(x.start_s, x.end_s) for x in gaps] == [(0.02, 0.5)]
