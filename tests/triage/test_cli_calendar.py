"""`triage calendar` on a real SQLite file: show, import, set, unset, and refusals that change nothing."""

from __future__ import annotations

import pytest

from tests.triage.test_cli_cases import database, run  # noqa: F401 - database is a fixture


@pytest.fixture
def demo(database):  # noqa: F811
    assert run("demo", "load").exit_code == 0


def test_a_year_without_data_is_flagged_then_imported_and_edited(demo, tmp_path):
    shown = run("calendar", "show", 2026, 2031)
    assert shown.exit_code == 0, shown.output
    assert "2026 年：放假" in shown.stdout and "国庆节" in shown.stdout
    assert "2031 年没有节假日数据" in shown.stdout and "triage calendar import" in shown.stdout

    schedule = tmp_path / "2031.csv"
    schedule.write_text("day,is_workday,note\n2031-01-01,休息,元旦\n2031-01-04,上班,元旦调休上班\n2031-01-27,休息,春节\n"
                        "2031-10-01,休息,国庆节\n2030-12-28,上班,元旦调休上班\n", encoding="utf-8")
    imported = run("calendar", "import", schedule, "--replace", 2031)
    assert imported.exit_code == 0, imported.output
    assert "已导入 2030、2031 年：新增 5" in imported.stdout
    shown = run("calendar", "show", 2031).stdout
    assert "2031 年：放假 3 天，调休上班 1 天" in shown and "不完整" not in shown and "没有节假日数据" not in shown

    assert run("calendar", "set", "2031-01-02", "--holiday", "--note", "元旦").exit_code == 0
    assert run("calendar", "unset", "2031-01-04").exit_code == 0
    assert "2031 年：放假 4 天，调休上班 0 天" in run("calendar", "show", 2031).stdout
    assert run("calendar", "unset", "2031-10-01").exit_code == 0
    assert "2031 年的安排不完整（缺春节或国庆假期）" in run("calendar", "show", 2031).stdout

    refused = run("calendar", "import", schedule, "--replace", 2032)
    assert refused.exit_code == 2 and "文件里没有 2032 年的日期" in refused.output
    assert run("calendar", "show", 10000).exit_code == 2


@pytest.mark.parametrize(("args", "message"), [
    (("set", "2031-13-01", "--holiday"), "YYYY-MM-DD"),
    (("set", "2031-01-05", "--holiday", "--note", "长" * 40), "说明最多 32 个字"),
    (("unset", "2031-01-05"), "没有节假日或调休记录"),
])
def test_bad_edits_exit_2_with_a_chinese_message(demo, args, message):
    result = run("calendar", *args)
    assert result.exit_code == 2 and message in result.output
    assert "2031 年没有节假日数据" in run("calendar", "show", 2031).stdout


@pytest.mark.parametrize(("text", "message"), [
    ("day,is_workday\n2031-01-01,maybe\n", "is_workday 应为"),
    ("day,is_workday\n2031-01-01,false\n2031-01-01,true\n", "同一天出现两次"),
    ("day,is_workday\n", "没有任何日期"),
])
def test_a_bad_file_imports_nothing(demo, tmp_path, text, message):
    bad = tmp_path / "bad.csv"
    bad.write_text(text, encoding="utf-8")
    result = run("calendar", "import", bad)
    assert result.exit_code == 2 and message in result.output
    assert "2031 年没有节假日数据" in run("calendar", "show", 2031).stdout
