"""One handler per chat command: check the sender's rights, call the domain, render the reply."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from triage import classification, service, views
from triage.accounts import permissions
from triage.accounts.models import ROLE_NAMES, Role
from triage.accounts.service import Forbidden, Principal
from triage.cases import access, queue, workflow
from triage.cases.models import Case
from triage.chatops import lookup, parse, render, stats
from triage.registry import service as registry
from triage.registry.models import Station

CHANNELS = {"dingtalk": "钉钉", "slack": "Slack", "mattermost": "Mattermost", "webhook": "Webhook"}


@dataclass(frozen=True)
class Ctx:
    """Everything a handler may use: the transaction, the sender, the time, the model (loaded on demand)."""

    session: Session
    principal: Principal
    platform: str
    now: datetime
    model: Callable[[], classification.LoadedModel]
    max_chars: int
    sla_days: dict[str, int] | None = None
    message_id: str | None = None

    @property
    def actor(self) -> str:
        return access.actor(self.principal)


Handler = Callable[[Ctx, parse.Parsed], render.Answer]


def _case(ctx: Ctx, number: str, action: str) -> Case:
    """The case ``number``, locked, after checking the sender may do ``action`` on it."""
    case = workflow.get_case(session=ctx.session, number=number, lock=True)
    permissions.require(ctx.principal, action, station_id=case.station_id,
                        assigned=lookup.assigned(ctx.session, case.id), claimed_by=case.claimed_by_id)
    return case


def _done(ctx: Ctx, case: Case, what: str, extra: str = "") -> render.Answer:
    return render.step_done(views.case_summary(session=ctx.session, case=case), what, extra)


def triage(ctx: Ctx, cmd: parse.Parsed) -> render.Answer:
    if not cmd.raw.strip():
        raise parse.Usage(cmd.spec, "请在命令后粘贴群众反映的内容")
    permissions.require(ctx.principal, "submit")
    home = lookup.home_station(ctx.session, ctx.principal)
    key = f"chat:{ctx.platform}:{ctx.message_id}" if ctx.message_id else None
    intake = service.Intake(text=cmd.raw, channel=CHANNELS.get(ctx.platform, ctx.platform)[:16],
                            intake_station=home.code if home else None, idempotency_key=key, actor=ctx.actor)
    submission, case, replayed = service.submit(session=ctx.session, model=ctx.model(), intake=intake, now=ctx.now,
                                                max_chars=ctx.max_chars, sla_days=ctx.sla_days)
    return render.decision(views.describe_submission(session=ctx.session, submission=submission, case=case,
                                                     replayed=replayed))


def confirm(ctx: Ctx, cmd: parse.Parsed) -> render.Answer:
    number, _rest = parse.case_number(cmd.spec, cmd.args)
    case = _case(ctx, number, "confirm")
    workflow.confirm(session=ctx.session, case=case, actor=ctx.actor, now=ctx.now)
    return _done(ctx, case, "已确认入队")


def correct(ctx: Ctx, cmd: parse.Parsed) -> render.Answer:
    number, rest = parse.case_number(cmd.spec, cmd.args)
    wanted = parse.labels(cmd.spec, rest)
    case = _case(ctx, number, "correct")
    topic = lookup.topic(ctx.session, wanted["topic"]) if "topic" in wanted else None
    department = lookup.department(ctx.session, wanted["department"]) if "department" in wanted else None
    workflow.correct(session=ctx.session, case=case, actor=ctx.actor, now=ctx.now, topic=topic,
                     department=department)
    return _done(ctx, case, "已更正分类", "更正已记为确认标签，将用于下次训练")


def assign(ctx: Ctx, cmd: parse.Parsed) -> render.Answer:
    number, rest = parse.case_number(cmd.spec, cmd.args)
    who, reason = parse.split_first(rest)
    if not who:
        raise parse.Usage(cmd.spec, "请写明改派给哪位代表")
    case = _case(ctx, number, "reassign")
    deputy = lookup.deputy(ctx.session, who)
    workflow.reassign(session=ctx.session, case=case, actor=ctx.actor, now=ctx.now, deputy_id=deputy.id,
                      reason=reason.strip())
    return _done(ctx, case, "已改派", f"主办代表：{deputy.name}（{deputy.code}）")


def claim(ctx: Ctx, cmd: parse.Parsed) -> render.Answer:
    number, _rest = parse.case_number(cmd.spec, cmd.args)
    p = ctx.principal
    if p.role != Role.DEPUTY or p.deputy_id is None:
        raise Forbidden(f"只有代表才能认领案件（您的角色是{ROLE_NAMES[p.role]}）", code="forbidden",
                        detail={"action": "claim"})
    case = _case(ctx, number, "claim")
    workflow.claim(session=ctx.session, case=case, deputy_id=p.deputy_id, now=ctx.now)
    return _done(ctx, case, "已认领")


def transfer(ctx: Ctx, cmd: parse.Parsed) -> render.Answer:
    number, rest = parse.case_number(cmd.spec, cmd.args)
    dept, reason = parse.split_first(rest)
    if not dept:
        raise parse.Usage(cmd.spec, "请写明转办的部门")
    case = _case(ctx, number, "transfer")
    workflow.transfer(session=ctx.session, case=case, actor=ctx.actor, now=ctx.now,
                      department=lookup.department(ctx.session, dept), reason=reason.strip())
    return _done(ctx, case, "已转办")


def return_case(ctx: Ctx, cmd: parse.Parsed) -> render.Answer:
    number, reason = parse.case_number(cmd.spec, cmd.args)
    if not reason:
        raise parse.Usage(cmd.spec, "请写明退单理由")
    case = _case(ctx, number, "return")
    workflow.return_case(session=ctx.session, case=case, actor=ctx.actor, now=ctx.now, reason=reason)
    return _done(ctx, case, "已退单")


def resolve(ctx: Ctx, cmd: parse.Parsed) -> render.Answer:
    number, result = parse.case_number(cmd.spec, cmd.args)
    if not result:
        raise parse.Usage(cmd.spec, "请写明给群众的答复（办理结果）")
    case = _case(ctx, number, "resolve")
    workflow.resolve(session=ctx.session, case=case, actor=ctx.actor, now=ctx.now, reply=result)
    return _done(ctx, case, "已办结")


def _station_or_home(ctx: Ctx, cmd: parse.Parsed) -> Station | None:
    if cmd.args.strip():
        station = lookup.station(ctx.session, cmd.args.strip())
        if not permissions.in_scope(ctx.principal, station.id):
            raise Forbidden(f"{station.name}不在您的范围内", code="forbidden", detail={"station": station.code})
        return station
    return lookup.home_station(ctx.session, ctx.principal)


def show_queue(ctx: Ctx, cmd: parse.Parsed) -> render.Answer:
    station = _station_or_home(ctx, cmd)
    if station is None:
        raise parse.Usage(cmd.spec, "您没有所属站点，请写明站点")
    calendar = registry.work_calendar(session=ctx.session)
    items = queue.station_queue(session=ctx.session, station_id=station.id, calendar=calendar, now=ctx.now)
    rows = [views.case_summary(session=ctx.session, case=i.case, colour=i.colour, station=station) for i in items]
    return render.case_list(f"{station.name} 在办队列", rows, empty="队列为空，没有在办案件")


def overdue(ctx: Ctx, _cmd: parse.Parsed) -> render.Answer:
    scope = permissions.station_scope(ctx.principal)
    items = queue.overdue(session=ctx.session, calendar=registry.work_calendar(session=ctx.session), now=ctx.now,
                          station_ids=sorted(scope) if scope is not None else None)
    rows = [views.case_summary(session=ctx.session, case=i.case, colour=i.colour) for i in items]
    return render.case_list("督办：黄牌和红牌案件", rows, empty="没有临期（黄）或超期（红）的案件")


def statistics(ctx: Ctx, cmd: parse.Parsed) -> render.Answer:
    if cmd.args.strip():
        station = _station_or_home(ctx, cmd)
        ids, title = [station.id], f"{station.name} 统计"
    else:
        scope = permissions.station_scope(ctx.principal)
        ids = sorted(scope) if scope is not None else None
        title = "全部站点统计" if ids is None else (ctx.principal.district or "本人站点") + " 统计"
    data = stats.counts(session=ctx.session, calendar=registry.work_calendar(session=ctx.session), now=ctx.now,
                        station_ids=ids)
    return render.statistics(title, data)


def show_help(_ctx: Ctx | None, _cmd: parse.Parsed | None) -> render.Answer:
    return render.Answer("帮助", parse.help_text())


HANDLERS: dict[str, Handler] = {
    "分办": triage, "确认": confirm, "改": correct, "指派": assign, "认领": claim, "转办": transfer,
    "退单": return_case, "办结": resolve, "队列": show_queue, "督办": overdue, "统计": statistics, "帮助": show_help,
}
