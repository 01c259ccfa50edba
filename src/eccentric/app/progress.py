"""Progress bars for long runs, on a terminal only (rich; silent when piped or captured)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


def on_terminal() -> bool:
    """Whether stderr is a terminal a progress bar may draw on."""
    from rich.console import Console

    return Console(stderr=True).is_terminal


def track_bytes(items: Iterable[T], where: Callable[[], tuple[int, int]],
                description: str) -> Iterator[T]:
    """Yield ``items``, drawing how far ``where()`` (bytes done, bytes total) has got."""
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield from items
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    with Progress("{task.description}", BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task(description, total=where()[1])
        for item in items:
            yield item
            bar.update(task, completed=where()[0])


def track_count(items: Iterable[T], total: int | None, description: str) -> Iterator[T]:
    """Yield ``items``, counting them against ``total`` (None: a count without a bar end)."""
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield from items
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task(description, total=total)
        for item in items:
            yield item
            bar.advance(task)


@contextmanager
def working(description: str) -> Iterator[None]:
    """A pulsing bar while one step of unknown length runs (nothing off a terminal)."""
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield
        return
    from rich.progress import BarColumn, Progress, TimeElapsedColumn

    with Progress("{task.description}", BarColumn(), TimeElapsedColumn(), console=console,
                  transient=True) as bar:
        bar.add_task(description, total=None)
        yield
