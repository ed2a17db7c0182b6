"""Signature checks of the chat platforms (DingTalk, Slack, Mattermost, bearer webhook), in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from urllib.parse import unquote

from triage.accounts.service import Unauthenticated

DINGTALK_WINDOW = timedelta(hours=1)
SLACK_WINDOW = timedelta(minutes=5)


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _refuse(what: str) -> Unauthenticated:
    return Unauthenticated(f"{what}签名无效或已过期", code="invalid_signature")


def _stamp(value: str | None, digits: int) -> str | None:
    """The timestamp header if it is a plain number of at most ``digits`` digits."""
    value = (value or "").strip()
    return value if value.isdigit() and len(value) <= digits else None


def _fresh(stamp_seconds: float, now: datetime, window: timedelta) -> bool:
    return abs(now.timestamp() - stamp_seconds) <= window.total_seconds()


def dingtalk_sign(*, secret: str, timestamp: str) -> str:
    """base64(HMAC-SHA256(key=secret, msg=timestamp + "\\n" + secret))."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_dingtalk(*, secret: str, timestamp: str | None, sign: str | None, now: datetime) -> None:
    """Raise :class:`Unauthenticated` unless ``sign`` matches and ``timestamp`` (ms) is within an hour of now."""
    timestamp = _stamp(timestamp, 16)
    if timestamp is None or not sign:
        raise _refuse("钉钉")
    expected = dingtalk_sign(secret=secret, timestamp=timestamp)
    signed = _same(sign.strip(), expected) | _same(unquote(sign.strip()), expected)  # both, in constant time
    if not signed or not _fresh(int(timestamp) / 1000, now, DINGTALK_WINDOW):
        raise _refuse("钉钉")


def slack_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """"v0=" + hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body))."""
    mac = hmac.new(secret.encode("utf-8"), b"v0:" + timestamp.encode("utf-8") + b":" + body, hashlib.sha256)
    return "v0=" + mac.hexdigest()


def verify_slack(*, secret: str, timestamp: str | None, signature: str | None, body: bytes, now: datetime) -> None:
    """Raise :class:`Unauthenticated` unless the Slack signature matches and the timestamp is within 5 minutes."""
    timestamp = _stamp(timestamp, 12)
    if timestamp is None or not signature:
        raise _refuse("Slack ")
    expected = slack_signature(secret=secret, timestamp=timestamp, body=body)
    if not _same(signature.strip(), expected) or not _fresh(int(timestamp), now, SLACK_WINDOW):
        raise _refuse("Slack ")


def verify_token(*, expected: str, given: str | None, what: str) -> None:
    """Raise :class:`Unauthenticated` unless ``given`` equals the configured token (constant time)."""
    if not given or not _same(given.strip(), expected):
        raise Unauthenticated(f"{what}令牌无效", code="invalid_token")
