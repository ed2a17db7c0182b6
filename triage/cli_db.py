"""``triage db …`` (migrations) and ``triage demo load`` (the demo registry) as Typer sub-apps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer
from rich.table import Table

from triage.cli_common import Lazy, err, fail, out
from triage.errors import TriageError
from triage.settings import get_settings

# The database layer loads on first use, so `triage classify` starts as fast as before.
db, migrate, demo = Lazy("triage.db"), Lazy("triage.migrate"), Lazy("triage.registry.demo")

db_app = typer.Typer(help="数据库：建表、升级、降级与查看版本", no_args_is_help=True, add_completion=False)
demo_app = typer.Typer(help="演示数据：联络站、代表、地名与分类", no_args_is_help=True, add_completion=False)

UrlOption = Annotated[
    str | None, typer.Option("--url", help="数据库地址（默认取 TRIAGE_DATABASE_URL，即 ./var/triage.db）")
]
T = TypeVar("T")
EXIT_CANCELLED = 1


def _target(url: str | None) -> str:
    return url or get_settings().database_url


def _run(action: Callable[[], T]) -> T:
    """Run a database action; a domain error becomes a Chinese message and a non-zero exit, never a traceback."""
    try:
        return action()
    except TriageError as exc:
        raise fail(exc) from exc


def _version(rev: str | None) -> str:
    return rev or "空库（未建表）"


def _migrate_to(target: str, revision: str) -> None:
    before = _run(lambda: migrate.current(target))
    _run(lambda: migrate.upgrade(target, revision))
    after = _run(lambda: migrate.current(target))
    where = migrate.safe_url(target)
    if before == after:
        out.print(f"数据库已是最新，未改动：{where}（版本 {_version(after)}）", soft_wrap=True)
    else:
        out.print(f"数据库已升级到 {after}（原为 {_version(before)}）：{where}", soft_wrap=True)


@db_app.command("init")
def init(url: UrlOption = None) -> None:
    """建表或升级到最新版本（已是最新则不改动）。"""
    _migrate_to(_target(url), "head")


@db_app.command("upgrade")
def upgrade(
    revision: Annotated[str, typer.Argument(help="目标版本（默认 head，即最新）")] = "head",
    url: UrlOption = None,
) -> None:
    """升级到指定版本。"""
    _migrate_to(_target(url), revision)


def _confirm(revision: str, where: str) -> bool:
    loses = "全部数据表和数据" if revision == "base" else f"版本 {revision} 之后新增的表、列和其中的数据"
    try:
        return typer.confirm(f"降级会删除{loses}（{where}）。确定继续吗？", default=False)
    except typer.Abort:  # no terminal to answer from
        return False


@db_app.command("downgrade")
def downgrade(
    revision: Annotated[str, typer.Argument(help="目标版本；base 表示删除全部数据表")],
    url: UrlOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="不再询问，直接降级")] = False,
) -> None:
    """降级到指定版本（会删除较新版本的表和其中的数据）。"""
    target = _target(url)
    where = migrate.safe_url(target)
    if not yes and not _confirm(revision, where):
        err.print("已取消，数据库未改动")
        raise typer.Exit(EXIT_CANCELLED)
    before = _run(lambda: migrate.current(target))
    _run(lambda: migrate.downgrade(target, revision))
    after = _run(lambda: migrate.current(target))
    if before == after:
        out.print(f"数据库已在版本 {_version(after)}，未改动：{where}", soft_wrap=True)
    else:
        out.print(f"数据库已降级到 {_version(after)}（原为 {_version(before)}）：{where}", soft_wrap=True)


@db_app.command("current")
def current(url: UrlOption = None) -> None:
    """显示数据库当前的版本。"""
    target = _target(url)
    rev = _run(lambda: migrate.current(target))
    head = migrate.head()
    state = "已是最新" if rev == head else f"最新为 {head}，请运行 triage db init 升级"
    out.print(f"当前版本：{_version(rev)}（{state}）  {migrate.safe_url(target)}", soft_wrap=True)


def print_credentials(users: list) -> None:
    """The demo accounts' secrets, shown this once (they are stored only as hashes)."""
    if not users:
        return
    out.print("[bold]演示账号[/]（凭据只显示这一次，只以哈希保存；API 请求头 Authorization: Bearer <令牌>）：")
    for u in users:
        out.print(f"  {u.username}（{u.role}，{u.display_name}，{u.where}）  令牌 {u.token}  密码 {u.password}",
                  soft_wrap=True)


def _load(target: str):  # noqa: ANN202 - triage.registry.demo.DemoSummary
    migrate.upgrade(target)
    with migrate.database_errors(target):
        engine = db.make_engine(target)
        try:
            with db.transaction(engine) as session:
                return demo.load_with_users(session=session)
        finally:
            engine.dispose()


@demo_app.command("load")
def load(url: UrlOption = None) -> None:
    """载入演示数据（按需先建表）；只补充缺少的记录，不改动已有的记录。"""
    target = _target(url)
    summary = _run(lambda: _load(target))
    print_credentials(summary.users)
    if not summary.created:
        out.print(f"演示数据已存在，未改动：{migrate.safe_url(target)}", soft_wrap=True)
        return
    table = Table(title="已载入演示数据")
    table.add_column("类别")
    table.add_column("新增", justify="right")
    for name, label in demo.SUMMARY_LABELS.items():
        table.add_row(label, str(getattr(summary, name)))
    out.print(table)
    out.print(f"数据库：{migrate.safe_url(target)}", soft_wrap=True)
