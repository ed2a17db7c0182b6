"""Alembic migrations on both backends: the head schema equals the models, and every step can be undone."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from triage import db, migrate
from triage.errors import TriageError
from triage.registry.models import Station

MODEL_TABLES = set(SQLModel.metadata.tables)


def station(code: str, **kw) -> Station:
    fields = dict(code=code, name=f"{code}联络站", place="某街道", level="街道", district="道里区", reception_days=[2])
    return Station(**(fields | kw))


def table_names(url: str) -> set[str]:
    engine = db.make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def schema_differences(url: str) -> list:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    finally:
        engine.dispose()


def test_fresh_database_has_no_revision(engine_url):
    assert migrate.current(engine_url) is None
    assert not migrate.is_current(engine_url)


def test_upgrade_head_creates_exactly_the_model_schema(engine_url):
    migrate.upgrade(engine_url)
    assert migrate.current(engine_url) == migrate.head()
    assert migrate.is_current(engine_url)
    # Types included (Alembic compares them by default): UTCDateTime, JSON and String lengths all match.
    assert schema_differences(engine_url) == []
    assert table_names(engine_url) == MODEL_TABLES | {migrate.VERSION_TABLE}


def test_version_table_lives_in_the_schema_of_the_url(engine_url):
    """On PostgreSQL the URL's search_path decides where Alembic keeps its version row."""
    migrate.upgrade(engine_url)
    engine = db.make_engine(engine_url)
    try:
        with engine.connect() as conn:
            schema = inspect(conn).default_schema_name
            assert migrate.VERSION_TABLE in inspect(conn).get_table_names(schema=schema)
            assert conn.execute(text(f"SELECT version_num FROM {migrate.VERSION_TABLE}")).scalar() == migrate.head()
    finally:
        engine.dispose()


def test_downgrade_to_base_leaves_no_tables(engine_url):
    migrate.upgrade(engine_url)
    migrate.downgrade(engine_url, "base")
    assert table_names(engine_url) == set()
    assert migrate.current(engine_url) is None


def test_upgrade_downgrade_upgrade_round_trip(engine_url):
    migrate.upgrade(engine_url)
    migrate.downgrade(engine_url, "base")
    migrate.upgrade(engine_url)
    assert migrate.is_current(engine_url)
    assert schema_differences(engine_url) == []


def test_row_survives_an_upgrade_that_is_a_no_op(engine_url):
    migrate.upgrade(engine_url)
    engine = db.make_engine(engine_url)
    try:
        with db.transaction(engine) as session:
            session.add(station("DL-T1", address="测试地址"))
        migrate.upgrade(engine_url)
        with Session(engine) as session:
            kept = session.exec(select(Station)).all()
        assert [(s.code, s.address, s.reception_days) for s in kept] == [("DL-T1", "测试地址", [2])]
    finally:
        engine.dispose()


def test_self_referencing_station_parent_is_a_real_foreign_key(engine_url):
    migrate.upgrade(engine_url)
    engine = db.make_engine(engine_url)
    try:
        with db.transaction(engine) as session:
            parent = station("DL-P")
            session.add(parent)
            session.flush()
            session.add(station("DL-C", parent_id=parent.id))
        with pytest.raises(IntegrityError), db.transaction(engine) as session:
            session.add(station("DL-X", parent_id=987654))
        with Session(engine) as session:
            assert sorted(session.exec(select(Station.code)).all()) == ["DL-C", "DL-P"]
    finally:
        engine.dispose()


def test_tables_made_without_migrations_are_refused_not_overwritten(engine_url):
    engine = db.make_engine(engine_url)
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    with pytest.raises(TriageError) as caught:
        migrate.upgrade(engine_url)
    assert caught.value.code == "db_unmanaged"
    assert migrate.current(engine_url) is None


def test_unparseable_url_is_a_domain_error():
    with pytest.raises(TriageError) as caught:
        migrate.upgrade("这不是数据库地址")
    assert caught.value.code == "db_url_invalid"
    assert "数据库地址无效" in caught.value.message


def test_unknown_revision_is_a_domain_error(engine_url):
    with pytest.raises(TriageError) as caught:
        migrate.upgrade(engine_url, "9999")
    assert caught.value.code == "db_migration_failed"


def test_config_keeps_percent_encoded_url_options():
    url = "postgresql+psycopg://u@h/db?options=-csearch_path%3Dt_x"
    cfg = migrate.alembic_config(url)
    assert cfg.get_main_option("sqlalchemy.url") == url
    assert cfg.attributes["url"] == url
