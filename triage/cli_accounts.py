"""``triage user add`` / ``triage token create|revoke`` / ``triage chat link``: accounts from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from triage.cli_cases import engine
from triage.cli_common import Lazy, fail, out
from triage.clock import system_clock
from triage.errors import TriageError

db, accounts = Lazy("triage.db"), Lazy("triage.accounts.service")
user_app = typer.Typer(help="用户：角色与所属站点/区县/代表", no_args_is_help=True, add_completion=False)
token_app = typer.Typer(help="API 令牌：创建时只显示一次", no_args_is_help=True, add_completion=False)
chat_app = typer.Typer(help="群聊身份：把群聊发送人对应到用户", no_args_is_help=True, add_completion=False)


@user_app.command("add")
def add_user(
    username: Annotated[str, typer.Argument(help="用户名（登录名）")],
    role: Annotated[str, typer.Option(help="intake / deputy / station_head / supervisor / admin")],
    name: Annotated[str | None, typer.Option("--name", help="显示名")] = None,
    station: Annotated[str | None, typer.Option(help="所属站点编码（接待员、站长）")] = None,
    district: Annotated[str | None, typer.Option(help="所属区县（区人大），如 道里区")] = None,
    deputy: Annotated[str | None, typer.Option(help="代表编号（代表），如 D001")] = None,
    password: Annotated[bool, typer.Option("--password", help="同时生成控制台登录密码（只显示一次）")] = False,
) -> None:
    """新增用户。"""
    import secrets

    secret = secrets.token_urlsafe(9) if password else None
    try:
        with db.transaction(engine()) as session:
            user = accounts.create_user(session=session, username=username, role=role, now=system_clock(),
                                        display_name=name, station_code=station, district=district,
                                        deputy_code=deputy, password=secret)
            label = accounts.principal_of(session=session, user=user).label
    except TriageError as exc:
        raise fail(exc) from exc
    out.print(f"已新增用户 {label}" + (f"；登录密码（只显示这一次）：{secret}" if secret else ""), soft_wrap=True)


@token_app.command("create")
def create_token(username: Annotated[str, typer.Argument(help="用户名")],
                 name: Annotated[str, typer.Option(help="令牌用途，如 12345对接")] = "") -> None:
    """为用户创建 API 令牌（只显示这一次，库中只存哈希）。"""
    from sqlmodel import select

    from triage.accounts.models import User

    try:
        with db.transaction(engine()) as session:
            user = session.exec(select(User).where(User.username == username)).first()
            if user is None:
                from triage.errors import NotFound

                raise NotFound(f"没有找到用户 {username}", code="user_not_found")
            token = accounts.create_token(session=session, user=user, now=system_clock(), name=name)
    except TriageError as exc:
        raise fail(exc) from exc
    out.print(f"{username} 的新令牌（只显示这一次，请妥善保存）：", soft_wrap=True)
    out.print(token, soft_wrap=True)


@token_app.command("revoke")
def revoke_token(prefix: Annotated[str, typer.Argument(help="令牌开头的 10 个字符")]) -> None:
    """撤销令牌。"""
    try:
        with db.transaction(engine()) as session:
            accounts.revoke_token(session=session, prefix=prefix, now=system_clock())
    except TriageError as exc:
        raise fail(exc) from exc
    out.print(f"已撤销令牌 {prefix}…")


@chat_app.command("link")
def link(platform: Annotated[str, typer.Argument(help="dingtalk / slack / mattermost / webhook")],
         external_id: Annotated[str, typer.Argument(help="群聊中的发送人编号（如钉钉 senderStaffId）")],
         username: Annotated[str, typer.Argument(help="对应的用户名")]) -> None:
    """把群聊发送人对应到用户（未对应的发送人会被礼貌拒绝）。"""
    try:
        with db.transaction(engine()) as session:
            accounts.link_chat(session=session, platform=platform, external_id=external_id, username=username)
    except TriageError as exc:
        raise fail(exc) from exc
    out.print(f"已对应：{platform} {external_id} → {username}")
