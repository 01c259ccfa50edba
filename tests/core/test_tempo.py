import pytest

from eccentric.core.errors import EccentricError
from eccentric.session.tempo import Tempo, format_tempo, parse_tempo, within_target


def test_parse_and_format() -> None:
    assert parse_tempo("4-1-1-0") == Tempo(4, 1, 1, 0)
    assert parse_tempo("3110") == Tempo(3, 1, 1, 0)
    assert parse_tempo("3-0-X-1") == Tempo(3, 0, None, 1)
    assert format_tempo(Tempo(3.49, 0.5, 1.2, 0.0)) == "3-1-1-0"


@pytest.mark.parametrize("bad", ["4-1-1", "a-b-c-d", "41100", ""])
def test_bad_tempo_is_explained(bad: str) -> None:
    with pytest.raises(EccentricError, match="coach notation"):
        parse_tempo(bad)


def test_within_target() -> None:
    target = parse_tempo("4-1-x-0")
    assert within_target(Tempo(4.3, 1.2, 0.4, 0.1), target)
    assert not within_target(Tempo(2.9, 1.0, 1.0, 0.0), target)
