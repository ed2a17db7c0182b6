"""The demo registry load (idempotent, additive, validated) and the ``db`` / ``demo`` commands, on both backends."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path

import pytest
import typer
from sqlalchemy import func
from sqlmodel import Session, select
from typer.testing import CliRunner

from classifier.resources import DEFAULT_DATA_DIR
from triage import cli_db, db, migrate
from triage.errors import InvalidInput
from triage.registry import demo
from triage.registry.models import (
    CalendarDay,
    Department,
    Deputy,
    DeputyStation,
    District,
    Place,
    Station,
    Topic,
)

REGISTRY = DEFAULT_DATA_DIR / "registry"
COUNTED = {
    "districts": District,
    "stations": Station,
    "deputies": Deputy,
    "places": Place,
    "departments": Department,
    "topics": Topic,
    "calendar_days": CalendarDay,
}


def read(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def file_counts(calendar: Path | None = DEFAULT_DATA_DIR / "calendar.json") -> dict[str, int]:
    taxonomy = read(DEFAULT_DATA_DIR / "taxonomy.json")
    return {
        "districts": len(read(REGISTRY / "districts.json")),
        "stations": len(read(REGISTRY / "stations.json")),
        "deputies": len(read(REGISTRY / "deputies.json")),
        "places": len(read(REGISTRY / "gazetteer.json")),
        "departments": len(taxonomy["departments"]),
        "topics": len(taxonomy["topics"]),
        "calendar_days": len(read(calendar)) if calendar and calendar.exists() else 0,
    }


def row_counts(engine) -> dict[str, int]:
    with Session(engine) as session:
        counts = {name: session.exec(select(func.count()).select_from(model)).one() for name, model in COUNTED.items()}
        counts["memberships"] = session.exec(select(func.count()).select_from(DeputyStation)).one()
    return counts


@pytest.fixture
def migrated(engine_url):
    """An engine on a database migrated to head (and empty)."""
    migrate.upgrade(engine_url)
    engine = db.make_engine(engine_url)
    yield engine
    engine.dispose()


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A private copy of the demo files, for tests that break them (no calendar: its absence is tolerated)."""
    folder = tmp_path / "data"
    shutil.copytree(REGISTRY, folder / "registry")
    shutil.copy(DEFAULT_DATA_DIR / "taxonomy.json", folder / "taxonomy.json")
    return folder


def load(engine, **kw) -> demo.DemoSummary:
    with db.transaction(engine) as session:
        return demo.load_demo(session=session, **kw)


def test_demo_counts_match_the_files(migrated):
    summary = load(migrated)
    expected = file_counts()
    assert summary.created
    assert {k: v for k, v in asdict(summary).items() if k not in ("created", "users")} == expected
    counts = row_counts(migrated)
    assert {k: counts[k] for k in expected} == expected
    assert counts["memberships"] == sum(len(d["stations"]) for d in read(REGISTRY / "deputies.json"))


def test_demo_links_parents_default_stations_memberships_and_places(migrated):
    load(migrated)
    with Session(migrated) as session:
        by_code = {s.code: s for s in session.exec(select(Station)).all()}
        for entry in read(REGISTRY / "stations.json"):
            parent = by_code[entry["parent"]].id if entry["parent"] else None
            assert by_code[entry["code"]].parent_id == parent, entry["code"]
        for entry in read(REGISTRY / "districts.json"):
            district = session.exec(select(District).where(District.code == entry["code"])).one()
            assert district.default_station_id == by_code[entry["default_station"]].id
        first = read(REGISTRY / "deputies.json")[0]
        deputy = session.exec(select(Deputy).where(Deputy.code == first["id"])).one()
        links = session.exec(select(DeputyStation).where(DeputyStation.deputy_id == deputy.id)).all()
        ids = {s.id: code for code, s in by_code.items()}
        assert [ids[link.station_id] for link in sorted(links, key=lambda x: x.rank)] == first["stations"]
        assert deputy.expertise == first["expertise"] and deputy.reception_days == first["reception_days"]
        place = read(REGISTRY / "gazetteer.json")[0]
        row = session.exec(select(Place).where(Place.name == place["name"])).one()
        assert row.station_id == by_code[place["station"]].id and row.aliases == place["aliases"]


def test_second_load_changes_nothing_and_says_so(migrated):
    load(migrated)
    before = row_counts(migrated)
    again = load(migrated)
    assert not again.created
    assert {k: v for k, v in asdict(again).items() if k not in ("created", "users")} == dict.fromkeys(COUNTED, 0)
    assert row_counts(migrated) == before


def test_admin_edits_survive_a_second_load(migrated):
    load(migrated)
    with db.transaction(migrated) as session:
        fs = session.exec(select(Station).where(Station.code == "DL-FSSQ")).one()
        fs.name, fs.address, fs.parent_id, fs.active = "抚顺社区代表之家", "新址：抚顺街 8 号", None, False
        deputy = session.exec(select(Deputy).where(Deputy.code == "D001")).one()
        deputy.capacity = 2
        for link in session.exec(select(DeputyStation).where(DeputyStation.deputy_id == deputy.id)).all():
            if link.rank == 1:
                session.delete(link)
    summary = load(migrated)
    assert not summary.created
    with Session(migrated) as session:
        fs = session.exec(select(Station).where(Station.code == "DL-FSSQ")).one()
        assert (fs.name, fs.address, fs.parent_id, fs.active) == ("抚顺社区代表之家", "新址：抚顺街 8 号", None, False)
        deputy = session.exec(select(Deputy).where(Deputy.code == "D001")).one()
        assert deputy.capacity == 2
        links = session.exec(select(DeputyStation).where(DeputyStation.deputy_id == deputy.id)).all()
        assert [link.rank for link in links] == [0]


def test_missing_rows_are_added_back_by_natural_key(migrated):
    load(migrated)
    name = read(REGISTRY / "gazetteer.json")[5]["name"]
    with db.transaction(migrated) as session:
        session.delete(session.exec(select(Place).where(Place.name == name)).one())
        session.delete(session.exec(select(Topic).where(Topic.name == "民政")).one())
    summary = load(migrated)
    assert summary.created and (summary.places, summary.topics, summary.stations) == (1, 1, 0)


def break_file(folder: Path, name: str, mutate) -> None:  # noqa: ANN001 - mutate(list) edits the entries
    path = folder / "registry" / name
    entries = read(path)
    mutate(entries)
    path.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")


def assert_nothing_written(engine) -> None:
    assert set(row_counts(engine).values()) == {0}
    with Session(engine) as session:
        assert demo.is_empty(session=session)


def test_unknown_station_in_a_deputy_entry_is_rejected_and_nothing_is_written(migrated, data_copy):
    break_file(data_copy, "deputies.json", lambda d: d[3]["stations"].append("XX-NOPE"))
    code = read(data_copy / "registry" / "deputies.json")[3]["id"]
    with pytest.raises(InvalidInput) as caught:
        load(migrated, folder=data_copy)
    assert caught.value.code == "demo_data_invalid"
    assert "deputies.json" in caught.value.message and code in caught.value.message
    assert "XX-NOPE" in caught.value.message
    assert_nothing_written(migrated)


def test_unknown_station_in_a_gazetteer_entry_is_rejected(migrated, data_copy):
    break_file(data_copy, "gazetteer.json", lambda g: g[7].update(station="ZZ-404"))
    with pytest.raises(InvalidInput) as caught:
        load(migrated, folder=data_copy)
    assert "gazetteer.json" in caught.value.message and "第 8 条" in caught.value.message
    assert "ZZ-404" in caught.value.message
    assert_nothing_written(migrated)


def test_entry_with_a_too_long_field_is_rejected_in_chinese(migrated, data_copy):
    break_file(data_copy, "stations.json", lambda s: s[0].update(code="X" * 40))
    with pytest.raises(InvalidInput) as caught:
        load(migrated, folder=data_copy)
    assert "stations.json" in caught.value.message and "超过 16 个字符" in caught.value.message
    assert_nothing_written(migrated)


def test_missing_calendar_is_tolerated_and_a_given_one_is_loaded(migrated, data_copy, tmp_path):
    assert load(migrated, folder=data_copy).calendar_days == 0
    calendar = tmp_path / "cal.json"
    days = [{"day": "2031-10-01", "is_workday": False, "note": "国庆节"}, {"day": "2031-09-28", "is_workday": True}]
    calendar.write_text(json.dumps(days, ensure_ascii=False), encoding="utf-8")
    summary = load(migrated, folder=data_copy, calendar_file=calendar)
    assert (summary.calendar_days, summary.stations) == (2, 0)
    with Session(migrated) as session:
        rows = session.exec(select(CalendarDay).order_by(CalendarDay.day)).all()
    assert [(str(r.day), r.is_workday, r.note) for r in rows] == [
        ("2031-09-28", True, ""),
        ("2031-10-01", False, "国庆节"),
    ]


def test_ensure_ready_migrates_and_loads_only_an_empty_database(engine_url):
    assert demo.ensure_ready(engine_url, load_demo_if_empty=False) is None
    assert migrate.is_current(engine_url)
    first = demo.ensure_ready(engine_url, load_demo_if_empty=True)
    assert first is not None and first.created and first.stations == file_counts()["stations"]
    assert demo.ensure_ready(engine_url, load_demo_if_empty=True) is None


# --- the commands -------------------------------------------------------------------------------------------

runner = CliRunner()


def cli(*args: str, input: str | None = None):  # noqa: A002 - CliRunner's name
    app = typer.Typer()
    app.add_typer(cli_db.db_app, name="db")
    app.add_typer(cli_db.demo_app, name="demo")
    return runner.invoke(app, list(args), input=input)


def test_db_init_twice_upgrades_then_reports_up_to_date(engine_url):
    first = cli("db", "init", "--url", engine_url)
    assert first.exit_code == 0, first.output
    assert f"已升级到 {migrate.head()}" in first.stdout
    second = cli("db", "init", "--url", engine_url)
    assert second.exit_code == 0 and "已是最新" in second.stdout
    current = cli("db", "current", "--url", engine_url)
    assert current.exit_code == 0 and migrate.head() in current.stdout and "已是最新" in current.stdout


def test_demo_load_prints_counts_then_says_unchanged(engine_url):
    first = cli("demo", "load", "--url", engine_url)
    assert first.exit_code == 0, first.output
    assert "联络站" in first.stdout and str(file_counts()["stations"]) in first.stdout
    assert str(file_counts()["places"]) in first.stdout
    second = cli("demo", "load", "--url", engine_url)
    assert second.exit_code == 0 and "已存在，未改动" in second.stdout


def test_downgrade_asks_first_and_keeps_the_tables_when_not_confirmed(engine_url):
    assert cli("db", "init", "--url", engine_url).exit_code == 0
    answer = cli("db", "downgrade", "base", "--url", engine_url, input="n\n")
    assert answer.exit_code != 0 and "已取消" in answer.output
    assert migrate.is_current(engine_url)
    done = cli("db", "downgrade", "base", "--yes", "--url", engine_url)
    assert done.exit_code == 0 and migrate.current(engine_url) is None


def test_unreachable_database_is_a_chinese_error_without_traceback(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    result = cli("db", "init", "--url", f"sqlite:///{blocker / 'triage.db'}")
    assert result.exit_code != 0 and "无法访问数据库" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    bad = cli("demo", "load", "--url", "不是地址")
    assert bad.exit_code != 0 and "数据库地址无效" in bad.output

