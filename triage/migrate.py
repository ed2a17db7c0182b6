"""Schema migrations from code: an Alembic config built in memory over the scripts in ``triage/migrations/``.

Alembic is imported inside the functions: it costs about half a second, which every CLI start would pay.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlmodel import SQLModel

from triage import db
from triage.cases import models as _cases  # noqa: F401 - registers the tables on SQLModel.metadata
from triage.errors import TriageError
from triage.registry import models as _registry  # noqa: F401

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"  # Alembic's default, created in the first schema of the search path


def _escape(value: str) -> str:
    return value.replace("%", "%%")  # ConfigParser interpolation: URL-encoded options carry '%'


def alembic_config(url: str) -> Config:
    """An Alembic config for ``url`` without any alembic.ini (``config.attributes["url"]`` is what env.py uses)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", _escape(str(MIGRATIONS_DIR)))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("sqlalchemy.url", _escape(url))
    cfg.attributes["url"] = url
    return cfg


def head() -> str:
    """The newest revision the scripts know."""
    from alembic.script import ScriptDirectory

    found = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert found is not None, "no migration scripts"
    return found


@contextmanager
def _engine(url: str) -> Iterator[Engine]:
    engine = db.make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def _reason(exc: SQLAlchemyError) -> str:
    return (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0]


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """Turn driver and Alembic failures into domain errors with a Chinese message."""
    try:
        yield
    except TriageError:
        raise
    except (ArgumentError, NoSuchModuleError) as exc:
        raise TriageError(f"数据库地址无效：{safe_url(url)}（{exc}）", code="db_url_invalid") from exc
    except (OperationalError, InterfaceError) as exc:
        raise TriageError(f"无法访问数据库：{safe_url(url)}（{_reason(exc)}）", code="db_unavailable") from exc
    except SQLAlchemyError as exc:
        raise TriageError(f"数据库操作失败：{safe_url(url)}（{_reason(exc)}）", code="db_error") from exc
    except OSError as exc:
        raise TriageError(f"无法访问数据库：{safe_url(url)}（{exc.strerror or exc}）", code="db_unavailable") from exc
    except Exception as exc:
        from alembic.util import CommandError

        if isinstance(exc, CommandError):
            raise TriageError(f"迁移命令无法执行：{exc}", code="db_migration_failed") from exc
        raise


def safe_url(url: str) -> str:
    """The URL with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a URL we cannot parse is shown as given
        return url


def _current(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def current(url: str) -> str | None:
    """The revision the database is at; None for a database that has never been migrated."""
    with database_errors(url), _engine(url) as engine:
        return _current(engine)


def is_current(url: str) -> bool:
    return current(url) == head()


def _refuse_unmanaged(engine: Engine) -> None:
    """A database whose tables were made without migrations cannot be upgraded safely: say so."""
    if _current(engine) is not None:
        return
    existing = sorted(set(inspect(engine).get_table_names()) & set(SQLModel.metadata.tables))
    if existing:
        shown = "、".join(existing[:5]) + ("…" if len(existing) > 5 else "")
        raise TriageError(
            f"数据库中已有数据表（{shown}），但没有迁移版本记录，无法自动升级；"
            "请先备份，再换用空数据库（或删除这些表）后重试",
            code="db_unmanaged",
        )


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` forward to ``revision`` (a no-op when it is there already)."""
    from alembic import command

    with database_errors(url):
        with _engine(url) as engine:
            _refuse_unmanaged(engine)
        command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Migrate back to ``revision``; ``"base"`` drops every table, Alembic's version table too."""
    from alembic import command

    with database_errors(url):
        command.downgrade(alembic_config(url), revision)
        if revision == "base":
            with _engine(url) as engine, engine.begin() as conn:
                conn.execute(text(f"DROP TABLE IF EXISTS {VERSION_TABLE}"))
