"""The chat-ops core on the demo registry: every command's happy path and refusals, as the sender's role allows."""

from __future__ import annotations

import logging
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from tests.triage.factories import make_case
from triage import classification, db, migrate
from triage.accounts import service as accounts
from triage.cases.models import AuditEvent, Case, Correction, Status, Submission
from triage.chatops import commands, core, parse
from triage.chatops.render import Answer
from triage.clock import FixedClock
from triage.errors import Conflict
from triage.registry import demo
from triage.registry.models import Station

NOW = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)  # Tuesday 10:30 in Harbin
USERS = {"intake": "demo-intake", "deputy": "demo-deputy", "head": "demo-head", "supervisor": "demo-supervisor",
         "admin": "demo-admin"}
NUMBER = re.compile(r"DL-FSSQ-2026-\d{6}")
WINDOW_TEXT = "道里区抚顺社区28号楼的楼道窗户坏了，漏风漏雨，冬天住户很冷，希望尽快维修"
PHONE, ID_NUMBER = "13912345678", "230102198001011234"


def build(url: str) -> None:
    """The demo registry, one demo user per role, each linked to a DingTalk sender named after its role."""
    migrate.upgrade(url)
    engine = db.make_engine(url)
    with db.transaction(engine) as session:
        demo.load_with_users(session=session)
        for role, username in USERS.items():
            accounts.link_chat(session=session, platform="dingtalk", external_id=f"ding-{role}", username=username)
    engine.dispose()


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("chatops") / "template.db"
    build(f"sqlite:///{path}")
    return path


@dataclass
class Chat:
    engine: Engine
    clock: FixedClock
    model: classification.LoadedModel

    def say(self, role: str, text: str, *, message_id: str | None = None, platform: str = "dingtalk") -> Answer:
        message = core.Message(platform=platform, sender_id=f"ding-{role}", text=text, message_id=message_id)
        with db.transaction(self.engine) as session:
            return core.handle(session=session, message=message, now=self.clock(), model=lambda: self.model,
                               max_chars=2_000)

    def case(self, number: str) -> Case:
        with db.transaction(self.engine) as session:
            return session.exec(select(Case).where(Case.number == number)).one()

    def make(self, status: Status = Status.QUEUED, **kw: object) -> str:
        """A case at 抚顺社区 (DL-FSSQ), made directly, with its number."""
        with db.transaction(self.engine) as session:
            station = session.exec(select(Station).where(Station.code == "DL-FSSQ")).one()
            kw.setdefault("created", self.clock())
            return make_case(session, station, status=status, **kw).number


@pytest.fixture
def chat(backend, engine_url, template, tiny_model_dir) -> Chat:
    if backend == "sqlite":
        shutil.copy(template, engine_url.removeprefix("sqlite:///"))
    else:
        build(engine_url)
    engine = db.make_engine(engine_url)
    yield Chat(engine, FixedClock(NOW), classification.load(tiny_model_dir))
    engine.dispose()


def test_pasted_text_is_triaged_and_answered_with_number_topic_department_station_and_deputies(chat):
    answer = chat.say("intake", WINDOW_TEXT)
    assert answer.ok
    number = NUMBER.search(answer.markdown).group()
    case = chat.case(number)
    assert case.station_id is not None and number in answer.title
    for shown in (f"主题：{case.topic}", f"责任部门：{case.department}", "抚顺社区人大代表联络站", "置信度", "代表："):
        assert shown in answer.markdown


@pytest.mark.parametrize("text", [f"/分办 {WINDOW_TEXT}", f"/triage {WINDOW_TEXT}", f"／分辦：{WINDOW_TEXT}",
                                  f"@联络站助手 {WINDOW_TEXT}"])
def test_slash_chinese_ascii_fullwidth_and_mentioned_forms_all_triage(chat, text):
    answer = chat.say("head", text)
    assert NUMBER.search(answer.markdown), answer.markdown


def test_a_retried_message_triages_once(chat):
    first = chat.say("intake", WINDOW_TEXT, message_id="msg-1")
    again = chat.say("intake", WINDOW_TEXT, message_id="msg-1")
    assert NUMBER.search(first.markdown).group() == NUMBER.search(again.markdown).group()
    assert "重复提交" in again.markdown
    with db.transaction(chat.engine) as session:
        assert session.exec(select(func.count()).select_from(Submission)).one() == 1


def test_phone_and_id_numbers_never_appear_in_any_reply(chat):
    text = f"抚顺社区12号楼暖气不热，联系电话{PHONE}，身份证{ID_NUMBER}"
    number = NUMBER.search(chat.say("intake", text).markdown).group()
    answers = [
        chat.say("intake", f"/分办 {text}"),
        chat.say("intake", f"/改 {number} 主题={PHONE} 部门={ID_NUMBER}"),
        chat.say("head", f"/转办 {number} {PHONE}"),
        chat.say("head", f"/指派 {number} {ID_NUMBER}"),
        chat.say("head", f"/{PHONE}"),
        chat.say("head", f"/办结 {PHONE}"),
        chat.say("head", f"/队列 {ID_NUMBER}"),
        chat.say("head", "/队列"),
        chat.say("nobody", text),
    ]
    for answer in answers:
        for shown in (answer.title, answer.markdown, answer.plain):
            assert PHONE not in shown and ID_NUMBER not in shown, shown


def test_confirm_queues_a_case_under_review_whatever_the_case_of_its_number(chat):
    number = chat.make(Status.REVIEW)
    answer = chat.say("intake", f"/确认 {number.lower()}")
    assert answer.ok and "已确认" in answer.title
    assert chat.case(number).status == Status.QUEUED
    refused = chat.say("intake", f"/confirm {number}")
    assert not refused.ok and "不能确认" in refused.markdown


def test_correct_records_a_confirmed_label_and_accepts_part_of_a_department_name(chat):
    number = chat.make(Status.REVIEW)
    answer = chat.say("head", f"/改 {number} 主题：民政 部门=民政局")
    assert answer.ok
    case = chat.case(number)
    assert (case.topic, case.department, case.status) == ("民政", "市民政局", Status.QUEUED)
    with db.transaction(chat.engine) as session:
        label = session.exec(select(Correction)).one()
    assert (label.topic, label.department) == ("民政", "市民政局")


def test_a_deputy_cannot_correct_and_unknown_topics_are_listed(chat):
    number = chat.make()
    refused = chat.say("deputy", f"/改 {number} 主题=民政")
    assert not refused.ok and "代表无权更正分类" in refused.markdown
    unknown = chat.say("head", f"/改 {number} 主题=天气")
    assert not unknown.ok and "没有找到主题「天气」" in unknown.markdown and "城乡建设" in unknown.markdown
    assert chat.case(number).topic == "城乡建设"


def test_a_linked_deputy_claims_and_staff_cannot(chat):
    number = chat.make()
    refused = chat.say("intake", f"/认领 {number}")
    assert not refused.ok and "只有代表才能认领" in refused.markdown
    answer = chat.say("deputy", f"／認領：{number}")
    assert answer.ok and "王淑琴" in answer.markdown
    case = chat.case(number)
    assert case.status == Status.CLAIMED and case.claimed_by_id is not None


def test_assign_by_code_or_name_is_for_station_heads(chat):
    number = chat.make()
    assert "郑宏伟（D011）" in chat.say("head", f"/指派 {number} d011 熟悉情况").markdown
    by_name = chat.say("head", f"/assign {number} 王淑琴")
    assert by_name.ok and "王淑琴（D001）" in by_name.markdown
    refused = chat.say("intake", f"/指派 {number} D011")
    assert not refused.ok and "接待员无权改派" in refused.markdown
    missing = chat.say("head", f"/指派 {number} 无此人")
    assert not missing.ok and "没有找到代表「无此人」" in missing.markdown


def test_transfer_return_and_resolve_move_the_case_along(chat):
    number = chat.make()
    moved = chat.say("head", f"/转办 {number} 水务局 管网问题")
    assert moved.ok and chat.case(number).transferred_to == "市水务局"
    back = chat.say("intake", f"/退单 {number} 不属于本部门职责")
    assert back.ok and chat.case(number).status == Status.QUEUED
    chat.say("deputy", f"/认领 {number}")
    done = chat.say("deputy", f"/办结 {number} 已协调物业更换窗户，住户满意")
    assert done.ok and chat.case(number).status == Status.RESOLVED


def test_a_deputy_resolves_only_cases_they_hold(chat):
    number = chat.make(Status.CLAIMED)
    refused = chat.say("deputy", f"/办结 {number} 已处理")
    assert not refused.ok and "只有认领该案件的代表" in refused.markdown


def test_queue_defaults_to_the_senders_station_and_stays_in_scope(chat):
    number = chat.make()
    own = chat.say("intake", "/队列")
    assert own.ok and number in own.markdown and "抚顺社区人大代表联络站" in own.title
    other = chat.say("intake", "/queue DL-ZL")
    assert not other.ok and "不在您的范围内" in other.markdown
    supervisor = chat.say("supervisor", "/队列")
    assert not supervisor.ok and "用法" in supervisor.markdown
    assert number in chat.say("supervisor", "/队列 抚顺社区").markdown


def test_overdue_lists_red_and_yellow_cases_only(chat):
    red = chat.make(due_in=timedelta(hours=-3))
    yellow = chat.make(due_in=timedelta(hours=3))
    green = chat.make(due_in=timedelta(days=20))
    answer = chat.say("head", "/督办")
    assert red in answer.markdown and yellow in answer.markdown and green not in answer.markdown
    assert answer.markdown.index(red) < answer.markdown.index(yellow)


def test_statistics_count_statuses_colours_and_this_months_cases(chat):
    chat.make(due_in=timedelta(hours=-3))
    chat.make(Status.CLAIMED, due_in=timedelta(days=20))
    chat.make(Status.RESOLVED, resolved_at=NOW)
    chat.make(created=NOW - timedelta(days=40), due_in=timedelta(days=60))  # last month's, still green
    answer = chat.say("head", "/统计")
    assert "待办 2" in answer.markdown and "处理中 1" in answer.markdown and "已办结 1" in answer.markdown
    assert "🔴红 1" in answer.markdown and "本月（2026-11）新增 3 件，办结 1 件" in answer.markdown
    other = chat.say("head", "/stats DL-FS")
    assert not other.ok and "不在您的范围内" in other.markdown  # 抚顺街道 is not this station head's


def test_help_lists_every_command_and_bare_words_ask_for_it(chat):
    for text in ("/帮助", "/help", "帮助", "／幫助"):
        answer = chat.say("deputy", text)
        assert all(spec.usage in answer.markdown for spec in parse.COMMANDS)


def test_unknown_commands_and_malformed_arguments_get_usage_not_a_trace(chat):
    unknown = chat.say("head", "/天气 明天")
    assert not unknown.ok and "未知命令" in unknown.markdown and "/队列" in unknown.markdown
    n = "DL-FSSQ-2026-000001"
    for text, usage in (("/确认", "/确认 案件编号"), ("/确认 第三件", "/确认 案件编号"), (f"/改 {n}", "/改 案件编号"),
                        (f"/退单 {n}", "/退单 案件编号 理由"), ("/分办", "/分办"), (f"/指派 {n}", "/指派 案件编号")):
        answer = chat.say("head", text)
        assert not answer.ok and f"用法：{usage}" in answer.markdown, text
    missing = chat.say("head", "/确认 DL-FSSQ-2026-999999")
    assert not missing.ok and "没有找到案件 DL-FSSQ-2026-999999" in missing.markdown


def test_unbound_senders_are_refused_politely(chat):
    for text in (WINDOW_TEXT, "/队列", "/不存在"):
        answer = chat.say("stranger", text)
        assert not answer.ok
        assert "您还未绑定账号，请联系管理员（triage chat link dingtalk ding-stranger" in answer.markdown
    slack = chat.say("intake", "/队列", platform="slack")  # linked on DingTalk only
    assert "triage chat link slack" in slack.markdown
    with db.transaction(chat.engine) as session:
        assert session.exec(select(func.count()).select_from(Case)).one() == 0


def test_an_unexpected_error_is_an_apology_and_a_log_line_without_the_text(chat, caplog):
    def broken():  # noqa: ANN202
        raise RuntimeError(f"模型坏了 {PHONE}")

    message = core.Message(platform="dingtalk", sender_id="ding-intake", text=WINDOW_TEXT)
    with caplog.at_level(logging.INFO, logger="liaison_triage.chatops"), db.transaction(chat.engine) as session:
        answer = core.handle(session=session, message=message, now=NOW, model=broken, max_chars=2_000)
    assert not answer.ok and "抱歉" in answer.markdown and "RuntimeError" not in answer.markdown
    logged = caplog.text
    assert "RuntimeError" in logged and PHONE not in logged and "模型坏了" not in logged and "漏风" not in logged


def test_a_refused_command_leaves_nothing_half_written(chat, monkeypatch):
    number = chat.make()

    def half(ctx, _cmd):  # noqa: ANN001, ANN202
        ctx.session.add(AuditEvent(action="note", actor="x", at=NOW, reason="不应保存"))
        ctx.session.flush()
        raise Conflict("别人刚刚改过这件案子")

    monkeypatch.setitem(commands.HANDLERS, "确认", half)
    answer = chat.say("intake", f"/确认 {number}")
    assert not answer.ok and "别人刚刚改过" in answer.markdown
    with db.transaction(chat.engine) as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.reason == "不应保存")).first() is None


@pytest.mark.parametrize(("text", "name", "args"), [
    ("/确认 DL-FS-2026-000001", "确认", "DL-FS-2026-000001"),
    ("/确认DL-FS-2026-000001", "确认", "DL-FS-2026-000001"),
    ("／確認：dl-fs-2026-000001", "确认", "dl-fs-2026-000001"),
    ("/CONFIRM dl-fs-2026-000001", "确认", "dl-fs-2026-000001"),
    ("/改派 X D001", "指派", "X D001"),
    ("/Queue", "队列", ""),
    ("  @助手 /督辦", "督办", ""),
    ("群众反映：路灯不亮", "分办", "群众反映:路灯不亮"),
])
def test_parse_reads_chinese_ascii_fullwidth_and_traditional_forms(text, name, args):
    parsed = parse.parse(text)
    assert (parsed.spec.name, parsed.args) == (name, args)


def test_case_numbers_are_upper_cased_and_checked():
    spec = parse.COMMANDS[1]
    assert parse.case_number(spec, "#dl-fssq-2026-000007 其余") == ("DL-FSSQ-2026-000007", "其余")
    with pytest.raises(parse.Usage):
        parse.case_number(spec, "7")


def test_short_chatter_is_not_triaged(chat):
    from triage.chatops import parse
    from triage.errors import InvalidInput

    with pytest.raises(InvalidInput):
        parse.parse("谢谢！")
    assert parse.parse("抚顺街281号楼道窗户漏风漏雨").spec.name == "分办"
