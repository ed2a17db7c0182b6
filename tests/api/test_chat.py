"""Chat adapters end to end: DingTalk, Slack, Mattermost and the webhook, with valid, wrong and stale signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest

from triage import db
from triage.accounts import service as accounts

DING, SLACK, MATTERMOST, WEBHOOK = "ding-app-secret", "slack-signing-secret", "mm-token-1", "hook-token-1"
NUMBER = re.compile(r"DL-FSSQ-2026-\d{6}")
TEXT = "道里区抚顺社区28号楼的楼道窗户坏了，漏风漏雨，冬天住户很冷，希望尽快维修"
PHONE, ID_NUMBER = "13912345678", "230102198001011234"
LINKS = (("dingtalk", "staff-intake", "demo-intake"), ("dingtalk", "staff-deputy", "demo-deputy"),
         ("slack", "U-HEAD", "demo-head"), ("mattermost", "mm-head", "demo-head"),
         ("webhook", "hook-intake", "demo-intake"))


@pytest.fixture
def chat(world, api):
    """The API with every chat platform configured and a sender linked on each."""
    cfg = world.settings
    cfg.dingtalk_app_secret, cfg.slack_signing_secret = DING, SLACK
    cfg.mattermost_token, cfg.webhook_token = MATTERMOST, WEBHOOK
    engine = db.make_engine(cfg.database_url)
    with db.transaction(engine) as session:
        for platform, external_id, username in LINKS:
            accounts.link_chat(session=session, platform=platform, external_id=external_id, username=username)
    engine.dispose()
    return api


def ms(world, delta: timedelta = timedelta()) -> str:
    return str(int((world.clock() + delta).timestamp() * 1000))


def ding_sign(timestamp: str, secret: str = DING) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def ding(api, world, text: str, sender: str = "staff-intake", *, headers: dict | None = None):
    stamp = ms(world)
    body = {"msgtype": "text", "text": {"content": text}, "senderNick": "小赵", "senderStaffId": sender,
            "conversationId": "cid-group-1", "conversationType": "2"}
    return api.post("/chat/dingtalk", json=body,
                    headers=headers if headers is not None else {"timestamp": stamp, "sign": ding_sign(stamp)})


def slack_post(api, world, fields: dict, *, secret: str = SLACK, age: timedelta = timedelta(), tamper: bool = False):
    body = urlencode(fields).encode()
    stamp = str(int((world.clock() - age).timestamp()))
    signature = "v0=" + hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    sent = body + b"&x=1" if tamper else body
    return api.post("/chat/slack", content=sent, headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature})


def form_post(api, path: str, fields: dict, headers: dict | None = None):
    return api.post(path, content=urlencode(fields).encode(),
                    headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})


def assert_refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "detail"} and body["code"] == code


def test_a_pasted_dingtalk_message_gets_a_markdown_reply_with_a_case_number(chat, world):
    response = ding(chat, world, TEXT)
    assert response.status_code == 200, response.text
    reply = response.json()
    assert reply["msgtype"] == "markdown" and NUMBER.search(reply["markdown"]["title"])
    assert NUMBER.search(reply["markdown"]["text"]) and "责任部门" in reply["markdown"]["text"]


def test_a_linked_deputy_claims_from_dingtalk(chat, world):
    number = NUMBER.search(ding(chat, world, TEXT).json()["markdown"]["text"]).group()
    confirm = ding(chat, world, f"/确认 {number}").json()["markdown"]["text"]  # queued already, or now
    assert number in confirm
    reply = ding(chat, world, f"/认领 {number.lower()}", sender="staff-deputy").json()["markdown"]
    assert reply["title"] == f"已认领 {number}" and "处理中" in reply["text"] and "王淑琴" in reply["text"]
    queue = ding(chat, world, "/队列").json()["markdown"]["text"]
    assert number in queue and "王淑琴" in queue


def test_phone_and_id_numbers_never_come_back_through_an_adapter(chat, world):
    raw = ding(chat, world, f"抚顺社区12号楼暖气不热，电话{PHONE}，身份证号{ID_NUMBER}").text
    assert NUMBER.search(raw) and PHONE not in raw and ID_NUMBER not in raw


def test_an_unlinked_dingtalk_sender_is_refused_politely(chat, world):
    reply = ding(chat, world, TEXT, sender="staff-unknown").json()["markdown"]["text"]
    assert "您还未绑定账号" in reply and "triage chat link dingtalk staff-unknown" in reply


def test_a_dingtalk_message_signed_within_the_hour_is_accepted(chat, world):
    stamp = ms(world)
    world.clock.advance(minutes=59)
    response = ding(chat, world, "/帮助", headers={"timestamp": stamp, "sign": quote(ding_sign(stamp), safe="")})
    assert response.status_code == 200 and "/队列" in response.json()["markdown"]["text"]


@pytest.mark.parametrize("headers", [
    lambda w: {"timestamp": ms(w), "sign": ding_sign(ms(w), secret="another-secret")},
    lambda w: {"timestamp": ms(w), "sign": ding_sign(ms(w, timedelta(seconds=1)))},
    lambda w: {"timestamp": ms(w, -timedelta(hours=2)), "sign": ding_sign(ms(w, -timedelta(hours=2)))},
    lambda w: {"timestamp": ms(w, timedelta(hours=2)), "sign": ding_sign(ms(w, timedelta(hours=2)))},
    lambda w: {"timestamp": "yesterday", "sign": ding_sign("yesterday")},
    lambda w: {"timestamp": ms(w)},
    lambda w: {},
], ids=["wrong-secret", "other-timestamp", "stale", "future", "not-a-number", "no-sign", "no-headers"])
def test_dingtalk_refuses_wrong_missing_and_stale_signatures(chat, world, headers):
    assert_refused(ding(chat, world, TEXT, headers=headers(world)), 401, "invalid_signature")


def test_a_signed_dingtalk_request_with_a_broken_body_is_422(chat, world):
    stamp = ms(world)
    response = chat.post("/chat/dingtalk", content=b"{not json", headers={"timestamp": stamp, "sign": ding_sign(stamp)})
    assert_refused(response, 422, "invalid_request")


def test_a_slack_slash_command_is_answered_in_channel(chat, world):
    response = slack_post(chat, world, {"command": "/triage", "text": TEXT, "user_id": "U-HEAD",
                                        "channel_id": "C1", "trigger_id": "t-1"})
    assert response.status_code == 200, response.text
    reply = response.json()
    assert reply["response_type"] == "in_channel" and NUMBER.search(reply["text"]) and "**" not in reply["text"]
    late = slack_post(chat, world, {"command": "/help", "user_id": "U-HEAD"}, age=timedelta(minutes=4, seconds=50))
    assert late.status_code == 200 and "/队列" in late.json()["text"]


def test_an_umbrella_slack_command_carries_the_command_in_its_text(chat, world):
    reply = slack_post(chat, world, {"command": "/lt", "text": "/queue", "user_id": "U-HEAD"}).json()
    assert "抚顺社区人大代表联络站 在办队列" in reply["text"]


@pytest.mark.parametrize("kwargs", [
    {"secret": "wrong"}, {"age": timedelta(minutes=6)}, {"age": -timedelta(minutes=6)}, {"tamper": True},
], ids=["wrong-secret", "stale", "future", "tampered-body"])
def test_slack_refuses_wrong_stale_and_tampered_requests(chat, world, kwargs):
    response = slack_post(chat, world, {"command": "/queue", "text": "", "user_id": "U-HEAD"}, **kwargs)
    assert_refused(response, 401, "invalid_signature")


def test_slack_without_signature_headers_is_401(chat):
    assert_refused(form_post(chat, "/chat/slack", {"command": "/queue", "user_id": "U-HEAD"}), 401,
                   "invalid_signature")


def test_mattermost_checks_its_token_field(chat):
    fields = {"command": "/queue", "text": "", "user_id": "mm-head", "channel_id": "town-square"}
    ok = form_post(chat, "/chat/mattermost", {**fields, "token": MATTERMOST})
    assert ok.status_code == 200 and ok.json()["response_type"] == "in_channel"
    assert "在办队列" in ok.json()["text"]
    assert_refused(form_post(chat, "/chat/mattermost", {**fields, "token": "mm-token-2"}), 401, "invalid_token")
    assert_refused(form_post(chat, "/chat/mattermost", fields), 401, "invalid_token")


def test_the_webhook_takes_a_bearer_token_and_answers_text_and_markdown(chat):
    body = {"text": TEXT, "sender": "hook-intake", "id": "m-1"}
    ok = chat.post("/chat/webhook", json=body, headers={"Authorization": f"Bearer {WEBHOOK}"})
    assert ok.status_code == 200, ok.text
    reply = ok.json()
    assert NUMBER.search(reply["text"]) and "**" not in reply["text"] and "**" in reply["markdown"]
    again = chat.post("/chat/webhook", json=body, headers={"Authorization": f"Bearer {WEBHOOK}"}).json()
    assert NUMBER.search(again["text"]).group() == NUMBER.search(reply["text"]).group()  # the retry triages once
    assert_refused(chat.post("/chat/webhook", json=body, headers={"Authorization": "Bearer nope"}), 401,
                   "invalid_token")
    assert_refused(chat.post("/chat/webhook", json=body), 401, "invalid_token")
    assert_refused(chat.post("/chat/webhook", content=json.dumps({"sender": "x"}),
                             headers={"Authorization": f"Bearer {WEBHOOK}"}), 422, "invalid_request")


@pytest.mark.parametrize("path", ["/chat/dingtalk", "/chat/slack", "/chat/mattermost", "/chat/webhook"])
def test_an_unconfigured_platform_answers_503(api, path):
    assert_refused(api.post(path, content=b"text=hi"), 503, "chat_not_configured")
