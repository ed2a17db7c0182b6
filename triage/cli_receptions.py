"""CLI for reception days (接待日) and deputies' records (履职档案)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from triage.cli_cases import engine
from triage.cli_common import Lazy, fail, out, parse_day
from triage.clock import system_clock
from triage.errors import TriageError

db, receptions, registry = Lazy("triage.db"), Lazy("triage.receptions"), Lazy("triage.registry.service")
reception_app = typer.Typer(help="接待日：登记与台账", no_args_is_help=True, add_completion=False)
deputy_app = typer.Typer(help="代表：履职档案", no_args_is_help=True, add_completion=False)


@reception_app.command("add")
def add(
    station: Annotated[str, typer.Argument(help="站点编码")],
    day: Annotated[str, typer.Option("--day", help="日期 YYYY-MM-DD")],
    deputies: Annotated[str, typer.Option("--deputies", help="到场代表编号，逗号分隔，如 D001,D002")],
    theme: Annotated[str | None, typer.Option("--theme", help="主题接待的主题（该主题案件组团接）")] = None,
    hours: Annotated[float, typer.Option(help="接待时长（小时）")] = 2.0,
    notes: str = "",
    actor: Annotated[str, typer.Option("--actor")] = "站长",
) -> None:
    """登记一次接待日（已举行或已公布的）。"""
    when = parse_day(day)
    try:
        with db.transaction(engine()) as session:
            st = registry.station_by_code(session=session, code=station)
            ids = [registry.deputy_by_code(session=session, code=c).id for c in deputies.split(",") if c.strip()]
            r = receptions.record_session(session=session, station=st, day=when, deputy_ids=ids, actor=actor,
                                          now=system_clock(), theme_topic=theme, hours=hours, notes=notes)
            rid = r.id
    except TriageError as exc:
        raise fail(exc) from exc
    out.print(f"已登记接待日 #{rid}：{st.name} {when}，代表 {len(ids)} 位" + (f"，主题 {theme}" if theme else ""))


@reception_app.command("list")
def register(station: Annotated[str, typer.Argument(help="站点编码")],
             as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """站点接待台账：日期、主题、到场代表、受理诉求数。"""
    try:
        with db.transaction(engine()) as session:
            st = registry.station_by_code(session=session, code=station)
            rows = receptions.station_register(session=session, station=st)
    except TriageError as exc:
        raise fail(exc) from exc
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    t = Table(title=f"{st.name} 接待台账")
    for c in ("日期", "主题", "时长", "代表", "受理"):
        t.add_column(c)
    for r in rows:
        t.add_row(r["day"], r["theme"] or "—", f"{r['hours']:g}", "、".join(r["deputies"]), str(r["submissions"]))
    out.print(t)


@deputy_app.command("record")
def record(code: Annotated[str, typer.Argument(help="代表编号")], year: int | None = None,
           as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """代表履职档案：接待次数、时长、受理诉求、办结件数、满意度。"""
    try:
        with db.transaction(engine()) as session:
            data = receptions.deputy_record(session=session, deputy=registry.deputy_by_code(session=session, code=code),
                                            year=year)
    except TriageError as exc:
        raise fail(exc) from exc
    if as_json:
        out.print_json(json.dumps(data, ensure_ascii=False))
        return
    out.print(f"{data['name']}（{data['deputy']}）{data['year'] or '累计'}：接待 {data['receptions']} 次 "
              f"{data['hours']:g} 小时，受理诉求 {data['submissions_taken']} 件，主办案件 {data['cases_handled']} 件、"
              f"办结 {data['cases_solved']} 件，满意度 {data['satisfaction'] or '—'}", soft_wrap=True)
