"""Database fixtures: every DB test runs on in-memory SQLite and, when TRIAGE_TEST_POSTGRES_URL is set, on
PostgreSQL too (in a schema of its own, so parallel runs never see each other's rows)."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import text
from sqlmodel import Session, SQLModel

from triage import db
from triage.accounts import models as _accounts  # noqa: F401
from triage.cases import models as _cases  # noqa: F401 - registers the tables
from triage.registry import models as _registry  # noqa: F401

POSTGRES_URL = os.environ.get("TRIAGE_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def postgres_schema_url(base_url: str, schema: str) -> str:
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def engine_url(backend, tmp_path):
    """A URL to an empty database of the backend under test (SQLite: a file, so several connections work)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'triage.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = db.make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield postgres_schema_url(POSTGRES_URL, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def engine(engine_url):
    """An engine with every table created (from the models; migrations are tested on their own)."""
    eng = db.make_engine(engine_url)
    SQLModel.metadata.create_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as s:
        yield s
