"""Chat adapters: DingTalk outgoing robot, Slack and Mattermost slash commands, a generic JSON webhook.

Each verifies its platform's signature (no bearer token of ours), hands the message to the chat-ops core and
renders the reply in the platform's format."""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import partial
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import Session

from api import chat_sign
from api.deps import ClockDep, SessionDep, SettingsDep, bearer_token
from api.errors import error_body
from triage import classification
from triage.chatops import core, parse
from triage.chatops.render import Answer
from triage.errors import InvalidInput
from triage.settings import Settings

router = APIRouter(prefix="/chat", tags=["chat"])
ERRORS = {401: {"description": "签名或令牌无效、过期"}, 503: {"description": "该聊天平台未配置（chat_not_configured）"}}
_STR = {"type": "string"}
_SLASH = {"command": _STR, "text": _STR, "user_id": _STR, "user_name": _STR, "channel_id": _STR, "trigger_id": _STR}


def _body(media: str, properties: dict, required: list[str] | None = None) -> dict:
    """The request body for the OpenAPI document (the routes read the raw bytes themselves)."""
    schema = {"type": "object", "properties": properties, "required": required or []}
    return {"requestBody": {"required": True, "content": {media: {"schema": schema}}}}


DINGTALK_BODY = _body("application/json", {
    "msgtype": _STR, "text": {"type": "object", "properties": {"content": _STR}}, "senderNick": _STR,
    "senderStaffId": _STR, "conversationId": _STR, "conversationType": _STR, "msgId": _STR})
SLACK_BODY = _body("application/x-www-form-urlencoded", _SLASH)
MATTERMOST_BODY = _body("application/x-www-form-urlencoded", {"token": _STR, **_SLASH}, ["token"])
WEBHOOK_BODY = _body("application/json", {"text": _STR, "sender": _STR, "id": _STR}, ["text", "sender"])


async def raw_body(request: Request) -> bytes:
    """The request body, read once (Slack signs the exact bytes)."""
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class DingTalkText(_In):
    content: str = ""


class DingTalkMessage(_In):
    msgtype: str = "text"
    text: DingTalkText | None = None
    # DingTalk's own (camelCase) field names
    senderNick: str | None = None
    senderStaffId: str | None = None
    conversationId: str | None = None
    msgId: str | None = None


class WebhookMessage(_In):
    text: str = Field(max_length=100_000)
    sender: str = Field(min_length=1, max_length=128)
    id: str | None = Field(default=None, max_length=128, description="the message's id: a retry triages once")


class DingTalkMarkdown(BaseModel):
    title: str
    text: str


class DingTalkReply(BaseModel):
    msgtype: str = "markdown"
    markdown: DingTalkMarkdown


class SlackReply(BaseModel):
    response_type: str = "in_channel"
    text: str


class WebhookReply(BaseModel):
    text: str = Field(description="纯文本")
    markdown: str


def _not_configured(platform: str, setting: str) -> JSONResponse:
    return JSONResponse(error_body("chat_not_configured", f"{platform}未配置：请设置 {setting}"), status_code=503)


def _json(body: bytes, model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(json.loads(body))
    except (ValueError, ValidationError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise InvalidInput("请求体不是合法的 JSON 消息", code="invalid_request") from exc


def _form(body: bytes) -> dict[str, str]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput("请求体不是 UTF-8 编码的表单", code="invalid_request") from exc
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}


def _answer(session: Session, cfg: Settings, now: datetime, message: core.Message) -> Answer:
    loader = partial(classification.load, cfg.model_dir, cache_dir=cfg.jieba_cache_dir)
    return core.handle(session=session, message=message, now=now, model=loader, max_chars=cfg.max_text_chars,
                       sla_days=cfg.sla_days)


def _slash_line(form: dict[str, str]) -> str:
    """``/queue DL-FS`` for a command of ours; the text alone for an umbrella command such as ``/lt /queue``."""
    command, text = form.get("command", ""), form.get("text", "")
    return f"{command} {text}".strip() if parse.known(command) else text


def _mrkdwn(markdown: str) -> str:
    """Slack's mrkdwn: *bold*, no headings."""
    return re.sub(r"^#+\s*(.+)$", r"*\1*", markdown.replace("**", "*"), flags=re.M)


@router.post("/dingtalk", response_model=DingTalkReply, responses=ERRORS, openapi_extra=DINGTALK_BODY)
def dingtalk(
    body: RawBody, cfg: SettingsDep, session: SessionDep, now: ClockDep,
    timestamp: Annotated[str | None, Header(description="毫秒时间戳")] = None,
    sign: Annotated[str | None, Header(description="base64(HMAC-SHA256(app_secret, timestamp\\napp_secret))")] = None,
) -> DingTalkReply | JSONResponse:
    """钉钉机器人（outgoing）：验证签名，执行命令，回复 markdown。"""
    if not cfg.dingtalk_app_secret:
        return _not_configured("钉钉机器人", "TRIAGE_DINGTALK_APP_SECRET")
    chat_sign.verify_dingtalk(secret=cfg.dingtalk_app_secret, timestamp=timestamp, sign=sign, now=now)
    msg = _json(body, DingTalkMessage)
    text = msg.text.content if msg.msgtype == "text" and msg.text is not None else ""
    answer = _answer(session, cfg, now, core.Message(
        platform="dingtalk", sender_id=msg.senderStaffId, text=text, sender_name=msg.senderNick,
        conversation_id=msg.conversationId, message_id=msg.msgId))
    return DingTalkReply(markdown=DingTalkMarkdown(title=answer.title, text=answer.markdown))


@router.post("/slack", response_model=SlackReply, responses=ERRORS, openapi_extra=SLACK_BODY)
def slack(
    body: RawBody, cfg: SettingsDep, session: SessionDep, now: ClockDep,
    x_slack_signature: Annotated[str | None, Header()] = None,
    x_slack_request_timestamp: Annotated[str | None, Header()] = None,
) -> SlackReply | JSONResponse:
    """Slack 斜杠命令（表单）：验证 v0 签名，执行命令。"""
    if not cfg.slack_signing_secret:
        return _not_configured("Slack", "TRIAGE_SLACK_SIGNING_SECRET")
    chat_sign.verify_slack(secret=cfg.slack_signing_secret, timestamp=x_slack_request_timestamp,
                           signature=x_slack_signature, body=body, now=now)
    form = _form(body)
    answer = _answer(session, cfg, now, core.Message(
        platform="slack", sender_id=form.get("user_id"), text=_slash_line(form), sender_name=form.get("user_name"),
        conversation_id=form.get("channel_id"), message_id=form.get("trigger_id")))
    return SlackReply(text=_mrkdwn(answer.markdown))


@router.post("/mattermost", response_model=SlackReply, responses=ERRORS, openapi_extra=MATTERMOST_BODY)
def mattermost(body: RawBody, cfg: SettingsDep, session: SessionDep, now: ClockDep) -> SlackReply | JSONResponse:
    """Mattermost 斜杠命令（表单）：核对 token 字段，执行命令。"""
    if not cfg.mattermost_token:
        return _not_configured("Mattermost", "TRIAGE_MATTERMOST_TOKEN")
    form = _form(body)
    chat_sign.verify_token(expected=cfg.mattermost_token, given=form.get("token"), what="Mattermost ")
    answer = _answer(session, cfg, now, core.Message(
        platform="mattermost", sender_id=form.get("user_id"), text=_slash_line(form),
        sender_name=form.get("user_name"), conversation_id=form.get("channel_id"),
        message_id=form.get("trigger_id")))
    return SlackReply(text=answer.markdown)


@router.post("/webhook", response_model=WebhookReply, responses=ERRORS, openapi_extra=WEBHOOK_BODY)
def webhook(request: Request, body: RawBody, cfg: SettingsDep, session: SessionDep,
            now: ClockDep) -> WebhookReply | JSONResponse:
    """通用 JSON webhook：`Authorization: Bearer <webhook_token>`，请求 {text, sender}，回复 {text, markdown}。"""
    if not cfg.webhook_token:
        return _not_configured("Webhook", "TRIAGE_WEBHOOK_TOKEN")
    chat_sign.verify_token(expected=cfg.webhook_token, given=bearer_token(request), what="Webhook ")
    msg = _json(body, WebhookMessage)
    answer = _answer(session, cfg, now, core.Message(platform="webhook", sender_id=msg.sender, text=msg.text,
                                                     message_id=msg.id))
    return WebhookReply(text=answer.plain, markdown=answer.markdown)
