"""CLI for the life of a case: route a message, look at queues and cases, and every workflow step."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated

import typer
from rich.table import Table

from triage.cli_common import EXIT_INPUT, Lazy, err, fail, load_model, out
from triage.clock import system_clock
from triage.errors import TriageError
from triage.settings import get_settings

# The database layer loads on first use, so `triage classify` starts as fast as before.
db, migrate, service, views = Lazy("triage.db"), Lazy("triage.migrate"), Lazy("triage.service"), Lazy("triage.views")
queue, workflow = Lazy("triage.cases.queue"), Lazy("triage.cases.workflow")
registry = Lazy("triage.registry.service")

app = typer.Typer(no_args_is_help=True, add_completion=False)
Actor = Annotated[str, typer.Option("--actor", help="操作人（记入审计）")]
AsJson = Annotated[bool, typer.Option("--json", help="输出 JSON")]
COLOUR_STYLE = {"red": "red", "yellow": "yellow", "green": "green"}


def engine():  # noqa: ANN201 - sqlalchemy Engine
    """The configured database, migrated to the current schema; refuses when no registry is loaded."""
    settings = get_settings()
    try:
        migrate.upgrade(settings.database_url)
    except TriageError as exc:
        raise fail(exc) from exc
    eng = db.make_engine(settings.database_url)
    with db.transaction(eng) as session:
        if not registry.stations_by_code(session=session):
            err.print("[red]数据库里还没有站点：请先运行 triage demo load（演示数据）或导入站点[/]")
            raise typer.Exit(EXIT_INPUT)
    return eng


def print_json(data: object) -> None:
    out.print_json(json.dumps(data, ensure_ascii=False, default=str))


def print_decision(d: dict) -> None:
    head = f"[bold]{d['case_number']}[/]  {d['status']}  优先级 {d['priority']}  办理时限 {d['sla_due']}"
    if d.get("replayed"):
        head += "  [dim]（同一幂等键的重复提交，返回原结果）[/]"
    out.print(head, soft_wrap=True)
    t = Table(show_header=False, show_lines=True)
    t.add_column("项目", style="bold")
    t.add_column("结果")
    t.add_row("主题", f"{d['topic']}（{d['topic_confidence']:.0%}）")
    t.add_row("责任部门", f"{d['department']}（{d['department_confidence']:.0%}）")
    loc = d.get("location") or {}
    t.add_row("站点", f"{d['station']['name']}（{d['station']['district']}）\n{loc.get('reason', '')}")
    t.add_row("优先级依据", "、".join(d["priority_reasons"]) or "无紧急情形")
    if d["duplicate_of"]:
        t.add_row("合并", f"与已有案件 {d['duplicate_of']} 为同一问题（相似度 {d['similarity']:.2f}），附议 +1")
    for reason in d["review_reasons"]:
        t.add_row("[yellow]待确认[/]", reason)
    deputies = "\n".join(
        f"{x['name']}（{'主办' if x['role'] == 'primary' else '协办'}，{x['score']:.2f}）：{'；'.join(x['reasons'])}"
        for x in d["deputies"]
    )
    t.add_row("代表", deputies or "[yellow]符合条件的代表均已满额，待站长处理[/]")
    t.add_row("个人信息", "、".join(d["pii"]) or "无")
    t.add_row("模型", d["model_version"])
    out.print(t)


@app.command()
def route(
    text: Annotated[str, typer.Argument(help="群众反映的文本")],
    station: Annotated[str | None, typer.Option("--station", help="受理站点编码（文中无地名时归此站）")] = None,
    channel: Annotated[str, typer.Option(help="来源渠道")] = "窗口",
    name: Annotated[str | None, typer.Option("--name", help="反映人姓名（会被脱敏）")] = None,
    contact: Annotated[str | None, typer.Option("--contact", help="联系电话")] = None,
    key: Annotated[str | None, typer.Option("--key", help="幂等键：同一键只生成一次")] = None,
    reception: Annotated[int | None, typer.Option("--reception", help="在哪次接待日受理（接待日编号）")] = None,
    actor: Actor = "接待员",
    as_json: AsJson = False,
) -> None:
    """分办一条群众反映：分类、定位站点、查重、匹配代表、入队，并说明每一步的依据。"""
    settings = get_settings()
    eng, model = engine(), load_model(None)
    intake = service.Intake(text=text, channel=channel, submitter_name=name, contact=contact,
                            intake_station=station, idempotency_key=key, reception_session_id=reception,
                            actor=actor)
    try:
        decision = service.intake(engine=eng, model=model, intake=intake, now=system_clock(),
                                  max_chars=settings.max_text_chars, sla_days=settings.sla_days)
    except TriageError as exc:
        raise fail(exc) from exc
    if as_json:
        print_json(decision)
    else:
        print_decision(decision)


@app.command("queue")
def show_queue(
    station: Annotated[str, typer.Argument(help="站点编码，如 DL-FSSQ")],
    as_json: AsJson = False,
) -> None:
    """站点队列：红黄绿、优先级、时限、先后。"""
    eng, now = engine(), system_clock()
    try:
        with db.transaction(eng) as session:
            st = registry.station_by_code(session=session, code=station)
            items = queue.station_queue(session=session, station_id=st.id,
                                        calendar=registry.work_calendar(session=session), now=now)
            rows = [views.case_summary(session=session, case=i.case, colour=i.colour) for i in items]
    except TriageError as exc:
        raise fail(exc) from exc
    if as_json:
        print_json(rows)
        return
    t = Table(title=f"{st.name} 在办队列（{len(rows)} 件）")
    for col in ("", "编号", "状态", "优先级", "时限", "主题", "认领", "摘要"):
        t.add_column(col)
    for r in rows:
        t.add_row(f"[{COLOUR_STYLE[r['colour']]}]●[/]", r["case_number"], r["status"], r["priority"],
                  r["sla_due"][:16], r["topic"], r["claimed_by"] or "—", r["summary"][:30])
    out.print(t)


@app.command("case")
def show_case(number: Annotated[str, typer.Argument(help="案件编号")], as_json: AsJson = False) -> None:
    """查看案件：诉求（脱敏）、代表、答复、全部处理记录。"""
    eng, now = engine(), system_clock()
    try:
        with db.transaction(eng) as session:
            case = workflow.get_case(session=session, number=number.strip().upper())
            colour = registry.work_calendar(session=session).colour(case.sla_due, now)
            detail = views.case_detail(session=session, case=case, colour=colour)
    except TriageError as exc:
        raise fail(exc) from exc
    if as_json:
        print_json(detail)
        return
    out.print(f"[bold]{detail['case_number']}[/] {detail['status']} · {detail['topic']} · {detail['department']} · "
              f"{detail['station']['name']} · [{COLOUR_STYLE[colour]}]●[/] 时限 {detail['sla_due']}", soft_wrap=True)
    for s in detail["submissions"]:
        out.print(f"  诉求 #{s['id']}：{s['masked_text']}", soft_wrap=True)
    for e in detail["timeline"]:
        out.print(f"  {e['at'][:16]} {e['actor']} {e['action']} {e['reason']}", soft_wrap=True)


def step(number: str, action: Callable, **kwargs: object) -> None:
    """Run one workflow step on case ``number`` in a transaction and print where the case stands."""
    eng, now = engine(), system_clock()
    try:
        with db.transaction(eng) as session:
            case = workflow.get_case(session=session, number=number.strip().upper(), lock=True)
            action(session=session, case=case, now=now, **kwargs)
            status = case.status
    except TriageError as exc:
        raise fail(exc) from exc
    out.print(f"{number}：{status}")


Number = Annotated[str, typer.Argument(help="案件编号")]
Reason = Annotated[str, typer.Argument(help="理由/内容")]


@app.command()
def confirm(number: Number, topic: str | None = None, department: str | None = None, actor: Actor = "接待员") -> None:
    """确认（或更正）待确认案件的主题/部门，并入队。"""
    step(number, workflow.confirm, actor=actor, topic=topic, department=department)


@app.command()
def claim(number: Number, deputy: Annotated[str, typer.Option(help="代表编号，如 D001")]) -> None:
    """代表认领案件。"""
    def act(*, session, case, now):  # noqa: ANN001, ANN202
        code = registry.deputy_by_code(session=session, code=deputy).id
        return workflow.claim(session=session, case=case, now=now, deputy_id=code)

    step(number, act)


@app.command()
def release(number: Number, reason: Reason, actor: Actor = "代表") -> None:
    """退回队列（放弃认领）。"""
    step(number, workflow.release, actor=actor, reason=reason)


@app.command()
def progress(number: Number, note: Reason, actor: Actor = "代表") -> None:
    """记录联系/办理进展。"""
    step(number, workflow.progress, actor=actor, note=note)


@app.command()
def resolve(number: Number, reply: Reason, actor: Actor = "代表") -> None:
    """办结，并记录给群众的答复。"""
    step(number, workflow.resolve, actor=actor, reply=reply)


@app.command()
def visit(number: Number, satisfaction: Annotated[int, typer.Option(min=1, max=5, help="满意度 1–5")],
          note: str = "", actor: Actor = "站长") -> None:
    """回访，记录满意度。"""
    step(number, workflow.visit, actor=actor, satisfaction=satisfaction, note=note)


@app.command()
def close(number: Number, reason: str = "", actor: Actor = "站长") -> None:
    """关闭案件（未回访时须说明理由）。"""
    step(number, workflow.close, actor=actor, reason=reason)


@app.command()
def reopen(number: Number, reason: Reason, actor: Actor = "站长") -> None:
    """重新办理（如回访不满意）。"""
    step(number, workflow.reopen, actor=actor, reason=reason)


@app.command()
def transfer(number: Number, department: Annotated[str, typer.Argument(help="责任部门")],
             actor: Actor = "站长") -> None:
    """转办到责任部门。"""
    step(number, workflow.transfer, actor=actor, department=department)


@app.command("dept-reply")
def dept_reply(number: Number, reply: Reason, actor: Actor = "部门") -> None:
    """记录部门答复（转办后）。"""
    step(number, workflow.department_reply, actor=actor, reply=reply)


@app.command("send-back")
def send_back(number: Number, reason: Reason, actor: Actor = "部门") -> None:
    """退单：部门退回站点。"""
    step(number, workflow.return_case, actor=actor, reason=reason)


@app.command()
def correct(number: Number, topic: str | None = None, department: str | None = None,
            actor: Actor = "接待员") -> None:
    """更正主题/部门（记为确认标签，用于下次训练）。"""
    step(number, workflow.correct, actor=actor, topic=topic, department=department)


@app.command()
def split(submission: Annotated[int, typer.Argument(help="诉求编号（case 命令中的 #）")], reason: Reason,
          actor: Actor = "站长") -> None:
    """把误合并的一条诉求拆成独立案件。"""
    try:
        with db.transaction(engine()) as session:
            case = service.split(session=session, submission_id=submission, actor=actor, now=system_clock(),
                                 reason=reason, sla_days=get_settings().sla_days)
            number = case.number
    except TriageError as exc:
        raise fail(exc) from exc
    out.print(f"诉求 #{submission} 已拆出为新案件 {number}")


@app.command()
def reassign(number: Number, deputy: Annotated[str, typer.Option(help="代表编号")], reason: str = "",
             actor: Actor = "站长") -> None:
    """改派给另一位代表。"""
    def act(*, session, case, now):  # noqa: ANN001, ANN202
        target = registry.deputy_by_code(session=session, code=deputy).id
        return workflow.reassign(session=session, case=case, now=now, actor=actor, deputy_id=target, reason=reason)

    step(number, act)


@app.command()
def merge(number: Number, into: Annotated[str, typer.Option(help="并入的案件编号")], reason: str = "",
          actor: Actor = "站长") -> None:
    """把重复案件并入另一件。"""
    def act(*, session, case, now):  # noqa: ANN001, ANN202
        target = workflow.get_case(session=session, number=into.strip().upper(), lock=True)
        return workflow.merge(session=session, case=case, into=target, actor=actor, now=now, reason=reason)

    step(number, act)


@app.command("claim-next")
def claim_next(station: Annotated[str, typer.Argument(help="站点编码")],
               deputy: Annotated[str, typer.Option(help="代表编号")]) -> None:
    """代表认领本站队列中最紧迫的一件。"""
    eng, now = engine(), system_clock()
    try:
        with db.transaction(eng) as session:
            st = registry.station_by_code(session=session, code=station)
            dep = registry.deputy_by_code(session=session, code=deputy)
            case = queue.claim_next(session=session, station_id=st.id, deputy_id=dep.id,
                                    calendar=registry.work_calendar(session=session), now=now)
            number = case.number if case else None
    except TriageError as exc:
        raise fail(exc) from exc
    out.print(f"已认领 {number}" if number else "队列中没有待办案件")


@app.command()
def sweep() -> None:
    """把认领后 2 个工作日无进展的案件退回队列并提醒站长；为此前代表均满额的案件重新匹配代表。"""
    eng, now = engine(), system_clock()
    with db.transaction(eng) as session:
        lapsed = [c.number for c in queue.lapse_stale_claims(
            session=session, calendar=registry.work_calendar(session=session), now=now)]
        matched = [c.number for c in service.rematch_waiting(session=session, now=now)]
        waiting = [c.number for c in queue.unassigned(session=session)]
    out.print(f"退回 {len(lapsed)} 件：{'、'.join(lapsed)}" if lapsed else "没有超时未进展的认领")
    out.print(f"重新匹配到代表 {len(matched)} 件：{'、'.join(matched)}" if matched else "没有可重新匹配的案件")
    if waiting:
        out.print(f"[yellow]仍待分配（代表均满额）{len(waiting)} 件：{'、'.join(waiting)}[/]", soft_wrap=True)


@app.command()
def search(
    words: Annotated[str | None, typer.Argument(help="案件编号或脱敏文本中的词语")] = None,
    phone_last4: Annotated[str | None, typer.Option("--phone-last4", help="联系电话后 4 位（站点工作人员）")] = None,
    station: Annotated[str | None, typer.Option("--station", help="只查此站点")] = None,
    as_json: AsJson = False,
) -> None:
    """查找案件：按编号、按文字、按电话后 4 位（需指定站点）。"""
    if phone_last4 is not None and station is None:
        err.print("[red]按电话后 4 位查找仅限站点工作人员：请用 --station 指定本站[/]")
        raise typer.Exit(EXIT_INPUT)
    eng = engine()
    try:
        with db.transaction(eng) as session:
            ids = [registry.station_by_code(session=session, code=station).id] if station else None
            found = queue.search(session=session, query=words, phone_last4=phone_last4, station_ids=ids)
            rows = [views.case_summary(session=session, case=c) for c in found]
    except TriageError as exc:
        raise fail(exc) from exc
    if as_json:
        print_json(rows)
        return
    for r in rows:
        out.print(f"{r['case_number']} {r['status']} {r['topic']} {r['station']['name']}：{r['summary'][:40]}",
                  soft_wrap=True)
    if not rows:
        out.print("没有找到")
