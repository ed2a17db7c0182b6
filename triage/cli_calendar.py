"""CLI for the official holiday calendar (节假日与调休) that SLA deadlines count working days by."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from triage.cli_cases import engine
from triage.cli_common import Lazy, fail, out, parse_day
from triage.clock import BUSINESS_TZ, system_clock
from triage.errors import TriageError

db, calendar_admin, workdays = Lazy("triage.db"), Lazy("triage.registry.calendar_admin"), Lazy("triage.workdays")
calendar_app = typer.Typer(help="节假日与调休：查看、修改、导入（办理时限按工作日计算）", no_args_is_help=True,
                           add_completion=False)
Actor = Annotated[str, typer.Option("--actor", help="操作人（记入审计）")]


def _weekday(day: date) -> str:
    return "一二三四五六日"[day.weekday()]


@calendar_app.command("show")
def show(years: Annotated[list[int] | None, typer.Argument(help="年份（默认今年和明年）")] = None) -> None:
    """每年的节假日与调休上班日；没有数据的年份按周末计算，并提示导入。"""
    today = system_clock().astimezone(BUSINESS_TZ).date()
    try:
        with db.transaction(engine()) as session:
            wanted = years or [today.year, today.year + 1]
            schedules = [calendar_admin.schedule(session=session, year=y) for y in wanted]
    except TriageError as exc:
        raise fail(exc) from exc
    for s in schedules:
        if s.days:
            title = f"{s.year} 年：放假 {s.holidays} 天，调休上班 {s.makeup_days} 天"
            table = Table("日期", "星期", "安排", "说明", title=title)
            for d in s.days:
                table.add_row(d.day.isoformat(), _weekday(d.day), "上班" if d.is_workday else "放假", d.note)
            out.print(table)
        if not s.known:
            lacking = "没有节假日数据" if not s.days else "的安排不完整（缺春节或国庆假期）"
            out.print(f"[yellow]{s.year} 年{lacking}，未录入的日子按周末计算。[/]国务院办公厅公布放假安排后，"
                      f"请用 triage calendar import 文件 --replace {s.year} 录入。")


@calendar_app.command("set")
def set_day(
    day: Annotated[str, typer.Argument(help="日期 YYYY-MM-DD")],
    workday: Annotated[bool, typer.Option("--workday/--holiday", help="调休上班（--workday）或放假（--holiday）")],
    note: Annotated[str, typer.Option(help="说明，如 春节、国庆节调休上班")] = "",
    actor: Actor = "管理员",
) -> None:
    """把一天设为放假或调休上班。"""
    when = parse_day(day)
    try:
        with db.transaction(engine()) as session:
            changed = calendar_admin.set_day(session=session, day=when, is_workday=workday, note=note, actor=actor,
                                             now=system_clock())
    except TriageError as exc:
        raise fail(exc) from exc
    what = "调休上班" if workday else "放假"
    out.print(f"{when}（星期{_weekday(when)}）：{what}" + (f"，{note.strip()}" if note.strip() else "")
              + ("" if changed else "（原本如此，未改动）"))


@calendar_app.command("unset")
def unset_day(day: Annotated[str, typer.Argument(help="日期 YYYY-MM-DD")], actor: Actor = "管理员") -> None:
    """删除一天的记录：这一天重新按周末规则计算。"""
    when = parse_day(day)
    try:
        with db.transaction(engine()) as session:
            calendar_admin.unset_day(session=session, day=when, actor=actor, now=system_clock())
    except TriageError as exc:
        raise fail(exc) from exc
    out.print(f"已删除 {when} 的记录：按{'工作日' if when.weekday() < 5 else '周末'}计算")


@calendar_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="JSON（同 training_data/calendar.json）或 CSV（day,is_workday,note）")],
    replace: Annotated[list[int] | None, typer.Option(
        "--replace", help="该年以文件为准：删除文件里没有的该年旧记录（可多次给出）")] = None,
    actor: Actor = "管理员",
) -> None:
    """导入放假安排（一次事务：全部成功或全部不变；改动与删除的记录写入审计）。"""
    try:
        rows = workdays.load_calendar_file(file)
        with db.transaction(engine()) as session:
            result = calendar_admin.import_days(session=session, rows=rows, actor=actor, now=system_clock(),
                                                replace=replace or ())
    except TriageError as exc:
        raise fail(exc) from exc
    years = "、".join(str(y) for y in result.years)
    out.print(f"已导入 {years} 年：新增 {result.added}，修改 {result.changed}，未变 {result.unchanged}，"
              f"删除 {result.removed}")
