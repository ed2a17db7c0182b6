"""The case CLI on a real SQLite file: demo load, route, queue, the workflow verbs, case, search."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from triage.cli import app
from triage.settings import get_settings

runner = CliRunner()
ARTICLE = "道里区抚顺街281号—388号的居民反映：楼道窗户年久失修，刮风漏风、下雨漏雨，希望换成塑钢窗。电话13845120937"


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def database(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIAGE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_commands_refuse_a_database_without_stations(database):
    result = run("route", ARTICLE)
    assert result.exit_code == 2 and "triage demo load" in result.output


def test_route_then_work_the_case_through_the_cli(database):
    assert run("demo", "load").exit_code == 0
    routed = run("route", ARTICLE, "--json", "--key", "cli-1")
    assert routed.exit_code == 0, routed.output
    d = json.loads(routed.stdout)
    for key in ("case_number", "status", "topic", "department", "station", "deputies", "priority", "sla_due",
                "pii", "duplicate_of", "model_version"):
        assert key in d
    assert d["station"]["name"] == "抚顺社区人大代表联络站" and d["topic"] == "城乡建设"
    assert {"name", "score", "reasons"} <= set(d["deputies"][0])
    assert d["pii"] == ["mobile"] and "13845120937" not in routed.stdout
    number, deputy = d["case_number"], d["deputies"][0]["code"]
    if d["status"] == "待确认":
        assert run("confirm", number).exit_code == 0
    queue = json.loads(run("queue", "DL-FSSQ", "--json").stdout)
    assert [c["case_number"] for c in queue] == [number]

    illegal = run("visit", number, "--satisfaction", "5")
    assert illegal.exit_code == 2 and "不能回访" in illegal.output
    for args in (("claim", number, "--deputy", deputy), ("progress", number, "已联系物业"),
                 ("resolve", number, "已更换塑钢窗"), ("visit", number, "--satisfaction", "5"), ("close", number)):
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)
    case = json.loads(run("case", number, "--json").stdout)
    assert case["status"] == "已关闭" and case["satisfaction"] == 5
    assert [e["action"] for e in case["timeline"]][-5:] == ["claim", "progress", "resolve", "visit", "close"]
    assert "13845120937" not in json.dumps(case, ensure_ascii=False)
    found = json.loads(run("search", "--phone-last4", "0937", "--station", "DL-FSSQ", "--json").stdout)
    assert [c["case_number"] for c in found] == [number]
    assert run("search", "--phone-last4", "0937").exit_code == 2  # staff of a station only


def test_route_without_place_or_station_says_what_to_do(database):
    run("demo", "load")
    result = run("route", "我家楼上天天半夜装修，吵得睡不着")
    assert result.exit_code == 2 and "请指定站点" in result.output
    ok = run("route", "我家楼上天天半夜装修，吵得睡不着", "--station", "NG-FDL", "--json")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["station"]["code"] == "NG-FDL"
