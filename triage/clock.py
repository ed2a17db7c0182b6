"""The one injectable source of time: timestamps are stored in UTC, business time is Asia/Shanghai."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")

Clock = Callable[[], datetime]
"""A callable returning the current time as an aware datetime (tests pass a :class:`FixedClock`)."""


def system_clock() -> datetime:
    return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved: ``clock.advance(hours=3)``."""

    def __init__(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now


def local(moment: datetime) -> datetime:
    """``moment`` in business time (Asia/Shanghai)."""
    return moment.astimezone(BUSINESS_TZ)


def local_date(moment: datetime) -> date:
    return local(moment).date()


def utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: give a time zone")
    return moment.astimezone(UTC)
