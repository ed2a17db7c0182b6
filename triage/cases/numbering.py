"""Readable case numbers such as ``NG-2026-000123``: station code, year, a per-station-and-year sequence."""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from triage.cases.models import CaseCounter


def format_number(station_code: str, year: int, seq: int) -> str:
    return f"{station_code}-{year}-{seq:06d}"


def _upsert(dialect: str):
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = CaseCounter.__table__
    stmt = insert(table).values(station_code=bindparam("code"), year=bindparam("year"), last=1)
    return stmt.on_conflict_do_update(
        index_elements=[table.c.station_code, table.c.year], set_={"last": table.c.last + 1}
    ).returning(table.c.last)


_UPSERT = {name: _upsert(name) for name in ("postgresql", "sqlite")}  # built once: the statement costs more


def next_number(*, session: Session, station_code: str, year: int) -> str:
    """The next number for ``station_code`` in ``year``, taken atomically (one upsert ... RETURNING)."""
    connection = session.connection()
    seq = connection.execute(_UPSERT[connection.dialect.name], {"code": station_code, "year": year}).scalar_one()
    return format_number(station_code, year, seq)
