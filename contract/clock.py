"""The clock port: what "today" is for the copilot. Live traffic runs on the wall clock; an evaluation or a replay runs
at the suite's or the message's time, so signals, policy versions in force and dates read the same on any day.

`as_of(when)` sets the time for the current context (a context variable: it follows the graph's worker threads, and
two evaluation cases running in parallel each keep their own); `today()` / `now()` read it, else the wall clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from typing import Protocol, runtime_checkable

_AS_OF: ContextVar[datetime | None] = ContextVar("copilot_as_of", default=None)


@runtime_checkable
class Clock(Protocol):
    def today(self) -> date: ...

    def now(self) -> datetime: ...


class ContextClock:
    """The default clock: the time set by `as_of` for this context, else the wall clock (UTC)."""

    def now(self) -> datetime:
        pinned = _AS_OF.get()
        return pinned if pinned is not None else datetime.now(UTC)

    def today(self) -> date:
        pinned = _AS_OF.get()
        return pinned.date() if pinned is not None else date.today()


CLOCK = ContextClock()


def today() -> date:
    return CLOCK.today()


def now() -> datetime:
    return CLOCK.now()


@contextmanager
def as_of(when: datetime | date | None) -> Iterator[None]:
    """Run the block at `when` (None = leave the clock as it is)."""
    if when is None:
        yield
        return
    if not isinstance(when, datetime):
        when = datetime(when.year, when.month, when.day, 9, 0, tzinfo=UTC)
    token = _AS_OF.set(when)
    try:
        yield
    finally:
        _AS_OF.reset(token)
