"""Operational figures read from the database at the moment they are asked for: is it reachable, submissions per
predicted topic, open cases per station, how many open cases are yellow or red (三色督办), and whether this year's
and next year's holiday calendar is known."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from triage import db
from triage.cases.models import OPEN_VALUES, Case, Submission
from triage.clock import BUSINESS_TZ
from triage.registry import service as registry
from triage.registry.models import Station, Topic

YELLOW_HORIZON = timedelta(days=30)  # a case due later than this is green whatever the holidays in between

_c, _s, _st, _t = Case.__table__.c, Submission.__table__.c, Station.__table__.c, Topic.__table__.c
_OPEN = list(OPEN_VALUES)
SUBMISSIONS_PER_TOPIC = sa.select(_s.topic, sa.func.count()).group_by(_s.topic)
OPEN_PER_STATION = (
    sa.select(_st.code, sa.func.count(_c.id))
    .select_from(Station.__table__.outerjoin(Case.__table__, sa.and_(_c.station_id == _st.id, _c.status.in_(_OPEN))))
    .where(_st.active).group_by(_st.code)
)
OPEN_DUE_BEFORE = sa.select(_c.sla_due).where(_c.status.in_(_OPEN), _c.sla_due < sa.bindparam("horizon"))


@dataclass(frozen=True)
class Snapshot:
    """Figures for one scrape; mappings are sorted by key so output is stable."""

    predictions: dict[str, int]  # predicted topic → submissions (every known topic, zeros included)
    queue_depth: dict[str, int]  # active station code → open cases
    red: int  # open cases past their SLA due time
    yellow: int  # open cases with less than one working day left
    calendar_known: dict[int, bool]  # this year and next → has holiday data (else weekends only)


def ping(*, engine: Engine) -> None:
    """Raise if the database does not answer ``SELECT 1``."""
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1")).scalar_one()


def snapshot(*, engine: Engine, now: datetime) -> Snapshot:
    """All figures in one short read transaction, so every process reports the same numbers."""
    with db.transaction(engine) as session:
        conn = session.connection()
        topics = {name: 0 for (name,) in conn.execute(sa.select(_t.name))}
        for topic, count in conn.execute(SUBMISSIONS_PER_TOPIC):
            topics[topic] = count
        depth = dict(conn.execute(OPEN_PER_STATION).all())
        calendar = registry.work_calendar(session=session)
        colours = [calendar.colour(due, now) for (due,) in
                   conn.execute(OPEN_DUE_BEFORE, {"horizon": now + YELLOW_HORIZON})]
    year = now.astimezone(BUSINESS_TZ).year
    return Snapshot(
        predictions=dict(sorted(topics.items())),
        queue_depth=dict(sorted(depth.items())),
        red=colours.count("red"),
        yellow=colours.count("yellow"),
        calendar_known={y: y in calendar.known_years for y in (year, year + 1)},
    )
