"""The entry point of chat-ops: one message in, one masked Chinese reply out, never a stack trace."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session

from classifier import pii
from triage import classification
from triage.accounts import service as accounts
from triage.chatops import commands, parse, render
from triage.errors import TriageError

log = logging.getLogger("liaison_triage.chatops")
APOLOGY = "抱歉，处理这条消息时出错了，请稍后重试；如果一直出错，请联系管理员。"


@dataclass(frozen=True)
class Message:
    """A chat message as an adapter hands it in (its signature already verified)."""

    platform: str  # dingtalk / slack / mattermost / webhook
    sender_id: str | None
    text: str
    sender_name: str | None = None
    conversation_id: str | None = None
    message_id: str | None = None  # the platform's id of the message: retries of it triage once


def unbound_text(message: Message) -> str:
    who = message.sender_id or "发送人编号"
    return f"您还未绑定账号，请联系管理员（triage chat link {message.platform} {who} 用户名）。"


def unbound(message: Message) -> render.Answer:
    return render.refusal(unbound_text(message), title="未绑定账号")


def guard(answer: render.Answer) -> render.Answer:
    """The last line against personal data: whatever the handler wrote, phones and ID numbers leave masked."""
    title, _ = pii.redact(answer.title)
    text, _ = pii.redact(answer.markdown)
    return replace(answer, title=title, markdown=text)


def _run(ctx: commands.Ctx, cmd: parse.Parsed) -> render.Answer:
    """The handler in a savepoint: a refused or failed command leaves nothing behind in the transaction."""
    with ctx.session.begin_nested():
        return commands.HANDLERS[cmd.spec.name](ctx, cmd)


def handle(
    *, session: Session, message: Message, now: datetime, model: Callable[[], classification.LoadedModel],
    max_chars: int, sla_days: dict[str, int] | None = None,
) -> render.Answer:
    """Answer one chat message as its sender: a command's result, or a polite Chinese refusal."""
    name = "?"
    try:
        principal = accounts.principal_for_chat(session=session, platform=message.platform,
                                                external_id=message.sender_id)
        if not parse.strip_mentions(message.text):
            return guard(commands.show_help(None, None))
        try:
            cmd = parse.parse(message.text)
        except parse.UnknownCommand as exc:
            if principal is None:
                return guard(unbound(message))
            return guard(render.refusal(f"{exc.message}。\n\n{parse.help_text()}", title="未知命令"))
        name = cmd.spec.name
        if cmd.spec is parse.HELP:
            answer = commands.show_help(None, cmd)
            if principal is None:
                answer = replace(answer, markdown=f"{answer.markdown}\n\n{unbound_text(message)}")
            return guard(answer)
        if principal is None:
            log.info("chat %s %s refused: unbound sender", message.platform, name)
            return guard(unbound(message))
        ctx = commands.Ctx(session=session, principal=principal, platform=message.platform, now=now, model=model,
                           max_chars=max_chars, sla_days=sla_days, message_id=message.message_id)
        answer = _run(ctx, cmd)
        log.info("chat %s %s by %s: ok", message.platform, name, principal.username)
        return guard(answer)
    except parse.Usage as exc:
        return guard(render.refusal(exc.message, title="用法"))
    except TriageError as exc:
        log.info("chat %s %s refused: %s", message.platform, name, exc.code)
        return guard(render.refusal(exc.message))
    except Exception as exc:  # noqa: BLE001 - the chat gets an apology; the log gets the place, not the text
        where = " < ".join(f"{f.name}@{f.filename.rsplit('/', 1)[-1]}:{f.lineno}"
                           for f in reversed(traceback.extract_tb(exc.__traceback__)))
        log.error("chat %s %s failed: %s at %s", message.platform, name, type(exc).__name__, where)
        return guard(render.refusal(APOLOGY, title="出错了"))
