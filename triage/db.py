"""Database engines and sessions: SQLite under ./var/ by default, PostgreSQL when configured."""

from __future__ import annotations

import functools
import os
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import DateTime, Insert, Table, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.pool import SingletonThreadPool, StaticPool
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel, create_engine

from triage.errors import TriageError

try:
    import fcntl
except ImportError:  # Windows: one process per SQLite database (threads still queue)
    fcntl = None


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which has no zones) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:  # noqa: ANN001
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: timestamps must carry a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:  # noqa: ANN001
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)




def _url(engine_or_url: Engine | str) -> URL:
    return engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)


def is_sqlite(engine_or_url: Engine | str) -> bool:
    return _url(engine_or_url).get_backend_name() == "sqlite"


def is_sqlite_file(engine_or_url: Engine | str) -> bool:
    """SQLite in a file (not ``sqlite://``, in memory)."""
    return is_sqlite(engine_or_url) and _url(engine_or_url).database not in (None, "", ":memory:")


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_wal(dbapi_connection, _record) -> None:  # noqa: ANN001
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


READ_ONLY = "triage_read_only"
WRITER_WAIT = 30.0  # seconds a writer waits for the write lock, like SQLite's busy_timeout


def _sqlite_begin(conn) -> None:  # noqa: ANN001
    # Writers take the lock when the transaction starts, so two writers never deadlock on lock upgrade;
    # read-only work (see read_only()) begins deferred and never waits for writers (WAL). Writers queue for the
    # write lock on a lock of ours (threads, then processes: see WriterLock), held from BEGIN to COMMIT/ROLLBACK:
    # SQLite's own busy handler polls with ever longer sleeps, which turns contention into long tail latencies.
    if conn.get_execution_options().get(READ_ONLY):
        conn.exec_driver_sql("BEGIN")
        return
    lock = _writer_lock(conn.engine)
    if not lock.acquire(timeout=WRITER_WAIT):  # as long as SQLite's own busy timeout: never wait forever
        raise TriageError("数据库繁忙，请稍后重试", code="db_busy")
    conn.info["triage_writer_lock"] = lock
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        conn.info.pop("triage_writer_lock").release()
        raise


def _sqlite_end(conn, *, commit: bool) -> None:  # noqa: ANN001
    # SQLAlchemy announces a commit or rollback *before* it tells the driver: finish the transaction here, then
    # let the next writer in (else it would find SQLite still locked and sleep in SQLite's busy handler). The
    # driver's own commit()/rollback() that follows finds no transaction open and does nothing.
    lock = conn.info.pop("triage_writer_lock", None)
    if lock is None:
        return
    try:
        driver = conn.connection.dbapi_connection
        if commit:
            driver.commit()
        else:
            driver.rollback()
    finally:
        lock.release()


class WriterLock:
    """The right to write to one SQLite database: a thread lock for the threads of this process, then an
    advisory lock (flock) on ``<database>-writer.lock`` for the other processes (several ``triage serve``
    workers, a CLI beside the server). A process that dies releases its flock with its file descriptor."""

    def __init__(self, path: Path | None) -> None:
        self._threads = threading.Lock()
        self._path = path
        self._fd: int | None = None

    def acquire(self, *, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        if not self._threads.acquire(timeout=timeout):
            return False
        if self._path is None or fcntl is None:
            return True
        try:
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            pause = 0.00005
            while True:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        self._threads.release()
                        return False
                    time.sleep(pause)
                    pause = min(pause * 2, 0.0002)
        except BaseException:
            self._threads.release()
            raise

    def release(self) -> None:
        if self._fd is not None and fcntl is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def __del__(self) -> None:  # the engine is gone: so is its lock file descriptor
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


_writer_locks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_writer_locks_guard = threading.Lock()


def _writer_lock(engine: Engine) -> WriterLock:
    key = base_engine(engine)
    with _writer_locks_guard:
        if key not in _writer_locks:
            file = is_sqlite_file(key)
            _writer_locks[key] = WriterLock(Path(f"{key.url.database}-writer.lock") if file else None)
        return _writer_locks[key]


def make_engine(url: str, *, echo: bool = False, per_thread: bool = False) -> Engine:
    """An engine for ``url``. SQLite: foreign keys on, WAL for files, BEGIN IMMEDIATE transactions;
    ``sqlite://`` (in memory) shares one connection (StaticPool) so every session sees the same data;
    ``per_thread`` gives a SQLite file one connection per thread that uses it, never waited for."""
    if not is_sqlite(url):  # a server that never answers fails /readyz in 5 s instead of hanging it
        return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20,
                             connect_args={"connect_timeout": 5})
    in_memory = not is_sqlite_file(url)
    if not in_memory:
        Path(make_url(url).database).parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    if in_memory:
        kwargs["poolclass"] = StaticPool
    elif per_thread:
        kwargs["poolclass"] = SingletonThreadPool
    engine = create_engine(url, echo=echo, **kwargs)
    event.listen(engine, "connect", _sqlite_pragmas)
    if not in_memory:
        event.listen(engine, "connect", _sqlite_wal)
    # pysqlite's own transaction handling is switched off so that BEGIN IMMEDIATE is ours to issue.
    event.listen(engine, "connect", lambda c, _r: setattr(c, "isolation_level", None))
    event.listen(engine, "begin", _sqlite_begin)
    event.listen(engine, "commit", lambda c: _sqlite_end(c, commit=True))
    event.listen(engine, "rollback", lambda c: _sqlite_end(c, commit=False))
    return engine


_read_only: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def base_engine(engine: Engine) -> Engine:
    """The engine an engine-with-options was made from (caches and locks are kept per base engine)."""
    return getattr(engine, "_proxied", engine)


def read_only(engine: Engine) -> Engine:
    """The same database for work that only reads (on SQLite its transactions do not take the write lock)."""
    base = base_engine(engine)
    if base not in _read_only:
        _read_only[base] = base.execution_options(**{READ_ONLY: True})
    return _read_only[base]


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work commits together at the end of the block, or not at all."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def insert_new(session: Session, obj: SQLModel) -> None:
    """INSERT a new (transient) row object with one Core statement, set its primary key and attach it to the
    session as a loaded row (later changes to it are flushed as UPDATEs, like any object the session holds).

    For the intake hot path: the unit of work's flush costs several times the statement."""
    table = type(obj).__table__
    values = {c.key: getattr(obj, c.key) for c in table.columns if not c.primary_key}
    obj.id = session.connection().execute(_insert_statement(table), values).inserted_primary_key[0]
    make_transient_to_detached(obj)
    session.add(obj)


@functools.cache
def _insert_statement(table: Table) -> Insert:
    return table.insert()
