"""A station's open cases as dedupe compares them: the most recent ``WINDOW`` open cases with the signatures of
their submissions.

This runs inside the write transaction of every intake, so it reads little: one query for the window (case
columns and submission ids), and the texts only of submissions this process has not analysed yet. A
submission's masked text and places never change once stored, so its signature is cached by id, per base
engine (ids are unique within one database, not across databases; see _Signatures.check)."""

from __future__ import annotations

import json
import threading
import time
import weakref
from collections import OrderedDict

import sqlalchemy as sa
from sqlalchemy import bindparam
from sqlmodel import Session

from triage import db, dedupe
from triage.cases.models import OPEN_VALUES, Case, Submission
from triage.registry.models import Station

WINDOW = 300  # most recent open cases of a station compared against a new submission
CACHE_SIZE = 8_192  # signatures kept per database: about the windows of the busiest stations

_c, _s = Case.__table__.c, Submission.__table__.c
# The driver's own placeholder for the station id: the window query is run as the driver's SQL (see _window_sql).
_PLACEHOLDER = {"pysqlite": ":station_id", "psycopg": "%(station_id)s", "psycopg2": "%(station_id)s"}


def _window_rows(station_id: sa.ColumnElement) -> sa.Select:
    recent_open = (
        sa.select(_c.id).where(_c.station_id == station_id, _c.status.in_(OPEN_VALUES))
        .order_by(_c.id.desc()).limit(WINDOW).subquery()
    )
    return (
        sa.select(_c.id, _c.number, _c.topic, _c.department, _c.place, _s.id)
        .join_from(Case.__table__, Submission.__table__, _s.case_id == _c.id)
        .where(_c.id.in_(sa.select(recent_open.c.id))).order_by(_c.id.desc(), _s.id)
    )


WINDOW_ROWS = _window_rows(bindparam("station_id"))


FIRST_SUBMISSION = sa.select(_s.id, _s.created_at).order_by(_s.id).limit(1)
HIGHEST_ID = sa.select(sa.func.max(_s.id))
TEXTS = sa.select(_s.id, _s.masked_text, sa.cast(_s.places, sa.Text)).where(
    _s.id.in_(bindparam("ids", expanding=True)))
_TOKEN = "__station_id__"
_window_sqls: dict[tuple[str, str], str | None] = {}


def _window_sql(dialect: sa.Dialect) -> str | None:
    """WINDOW_ROWS compiled once per driver, its constants inlined: the rows come back as plain tuples straight
    from the cursor (SQLAlchemy's result rows cost more than the query, at a few hundred rows per intake). None
    for a driver without a known placeholder (it then goes through SQLAlchemy)."""
    key = (dialect.name, dialect.driver)
    if key not in _window_sqls:
        placeholder = _PLACEHOLDER.get(dialect.driver)
        stmt = _window_rows(sa.literal_column(_TOKEN))
        sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        _window_sqls[key] = sql.replace(_TOKEN, placeholder) if placeholder and "%" not in sql else None
    return _window_sqls[key]


class _Signatures:
    """Submission id → dedupe signature, least recently used dropped first.

    Ids identify a text only within one database's history: :meth:`check` forgets everything when the database
    no longer looks like the one the signatures came from (another first submission, or fewer submissions than
    seen before, as after restoring a backup under a running process). It looks at most once a second."""

    CHECK_EVERY = 1.0  # seconds

    def __init__(self) -> None:
        self._items: OrderedDict[int, dedupe.Signature] = OrderedDict()
        self._lock = threading.Lock()
        self._history: tuple | None = None  # (first submission's id and time, highest id seen)
        self._checked = -self.CHECK_EVERY

    def check(self, conn: sa.Connection) -> None:
        now = time.monotonic()
        if now - self._checked < self.CHECK_EVERY:
            return
        first = tuple(conn.execute(FIRST_SUBMISSION).first() or ())
        top = conn.execute(HIGHEST_ID).scalar() or 0
        with self._lock:
            self._checked = now
            if self._history is not None and (self._history[0] != first or top < self._history[1]):
                self._items.clear()
            self._history = (first, top)

    def get_many(self, ids: list[int]) -> dict[int, dedupe.Signature]:
        with self._lock:
            found = {}
            for i in ids:
                sig = self._items.get(i)
                if sig is not None:
                    self._items.move_to_end(i)
                    found[i] = sig
            return found

    def put(self, items: dict[int, dedupe.Signature]) -> None:
        with self._lock:
            self._items.update(items)
            while len(self._items) > CACHE_SIZE:
                self._items.popitem(last=False)


_caches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_caches_guard = threading.Lock()


def _cache(session: Session) -> _Signatures:
    key = db.base_engine(session.get_bind())
    with _caches_guard:
        if key not in _caches:
            _caches[key] = _Signatures()
        return _caches[key]


def stored_signature(masked: str, places_json: str | None) -> dedupe.Signature:
    """The dedupe signature of a stored submission, from its masked text and its places as stored (JSON)."""
    places = json.loads(places_json) if places_json else []
    return dedupe.signature(masked, [(p["start"], p["end"]) for p in places])


def window(*, session: Session, station: Station) -> list[dedupe.OpenCase]:
    """The station's most recent open cases, each with its submissions' signatures (first submission first)."""
    conn = session.connection()
    sql = _window_sql(conn.dialect)
    if sql is None:
        rows = conn.execute(WINDOW_ROWS, {"station_id": station.id}).all()
    else:  # executed (and errors handled) by SQLAlchemy; the rows read straight from the driver's cursor
        result = conn.exec_driver_sql(sql, {"station_id": station.id})
        try:
            rows = result.cursor.fetchall()
        finally:
            result.close()
    cache = _cache(session)
    cache.check(conn)
    sigs = cache.get_many([r[5] for r in rows])
    missing = [r[5] for r in rows if r[5] not in sigs]
    if missing:
        fresh = {i: stored_signature(masked, places)
                 for i, masked, places in conn.execute(TEXTS, {"ids": missing})}
        cache.put(fresh)
        sigs |= fresh
    cases: dict[int, tuple] = {}
    case_sigs: dict[int, list[dedupe.Signature]] = {}
    for case_id, number, topic, department, place, submission_id in rows:
        if case_id not in cases:
            cases[case_id], case_sigs[case_id] = (number, topic, department, place), []
        case_sigs[case_id].append(sigs[submission_id])
    return [dedupe.OpenCase(i, number, station.code, topic, department, place, (), tuple(case_sigs[i]))
            for i, (number, topic, department, place) in cases.items()]
