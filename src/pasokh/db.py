"""Engine, sessions and the declarative base shared by every domain's tables."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    MetaData,
    Table,
    create_engine,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

T = TypeVar("T")

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# 64-bit ids on PostgreSQL; SQLite only auto-increments a plain INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def padded(values: Sequence[T]) -> list[T]:
    """`values` repeated at the end up to the next power of two (the same set).

    An IN list of n values is a different SQL text for every n; drivers that cache parsed
    or prepared statements by text (psycopg) then miss on almost every batch. Padding
    leaves a handful of texts.
    """
    items = list(values)
    if not items:
        return items
    size = 1 << (len(items) - 1).bit_length()
    return items + [items[-1]] * (size - len(items))


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the single writer; NORMAL sync is durable across an
    # application crash (SIGKILL) in WAL mode, which is what "acknowledged" promises.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")  # see _Checkpointer


# One lock per SQLite file: this process's writers queue here, in order, instead of
# spinning in SQLite's busy handler (which sleeps 1, 2, 5 ... 100 ms between tries and
# turns a 5 ms wait into a 50 ms one). Other processes still meet the busy handler.
_WRITE_LOCKS: dict[str, threading.Lock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()
WRITE_LOCK_TIMEOUT = 10.0
BUSY_TIMEOUT_MS = 10_000


def _write_lock(path: str) -> threading.Lock:
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(str(Path(path).resolve()), threading.Lock())


class _LockingConnection(sqlite3.Connection):
    """A connection that gives the process's write lock back when its transaction ends."""

    write_lock: threading.Lock | None = None

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()

    def _release(self) -> None:
        lock, self.write_lock = self.write_lock, None
        if lock is not None:
            lock.release()


def _begin_immediate(dbapi: Any) -> None:
    """BEGIN IMMEDIATE, waiting for another process's writer by short polls.

    SQLite's own busy handler sleeps 1, 2, 5, 10 ... 100 ms between tries, so a writer
    that misses the lock by a millisecond waits tens of them; here the wait is at most
    about 2 ms longer than the other writer's transaction (up to the same 10 s limit).
    """
    dbapi.execute("PRAGMA busy_timeout=0")
    try:
        deadline, pause = time.monotonic() + BUSY_TIMEOUT_MS / 1000, 0.0002
        while True:
            try:
                dbapi.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.002)
    finally:
        dbapi.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


class _Checkpointer:
    """Copies the WAL back into the database file in the background.

    SQLite's automatic checkpoint runs inside whichever commit crosses 1,000 pages: that
    commit (an API answer, a routing decision) then takes several milliseconds more. With
    `Database`, connections turn the automatic checkpoint off and this thread does a
    PASSIVE checkpoint (it never blocks readers or writers) every `every` seconds.
    """

    def __init__(self, path: str, every: float = 0.5) -> None:
        self.path, self.every = path, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pasokh-checkpoint",
                                        daemon=True)
        self._thread.start()

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, timeout=0, isolation_level=None,
                                     check_same_thread=False)
        try:
            while not self._stop.wait(self.every):
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error:
                    continue  # busy or locked: the next round catches up
        finally:
            connection.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def make_engine(url: str, *, echo: bool = False, immediate: bool = False,
                background_checkpoint: bool = False) -> Engine:
    """Create an engine configured for the backend in `url`.

    On SQLite, `immediate=True` starts every transaction with BEGIN IMMEDIATE: a writer
    takes the write lock up front instead of failing with SQLITE_BUSY when it upgrades
    a read snapshot that another writer has moved past.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        memory = path in ("", ":memory:")
        if not memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connect_args: dict[str, Any] = {"check_same_thread": False}
        if immediate and not memory:
            connect_args["factory"] = _LockingConnection
        kwargs: dict[str, Any] = {"connect_args": connect_args}
        if memory:
            kwargs["poolclass"] = StaticPool
        # isolation_level=None hands transaction control to us (pysqlite's own emulation
        # breaks SAVEPOINT); the "begin" hook then emits BEGIN itself.
        engine = create_engine(url, echo=echo, isolation_level="AUTOCOMMIT", **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        if background_checkpoint and not memory:
            event.listen(engine, "connect", _no_autocheckpoint)
        begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

        lock = _write_lock(path) if immediate and not memory else None

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            dbapi = conn.connection.dbapi_connection
            if lock is not None and isinstance(dbapi, _LockingConnection) \
                    and dbapi.write_lock is None and lock.acquire(timeout=WRITE_LOCK_TIMEOUT):
                dbapi.write_lock = lock
            try:
                if immediate and not memory:
                    _begin_immediate(dbapi)
                else:
                    conn.exec_driver_sql(begin)
            except BaseException:
                if isinstance(dbapi, _LockingConnection):
                    dbapi._release()
                raise

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, echo=echo, pool_size=10, max_overflow=20, pool_pre_ping=True)


class Database:
    """The engines and session factories of one application instance.

    `write()` sessions serialise writers on SQLite (BEGIN IMMEDIATE); `read()` sessions
    never take the write lock. On PostgreSQL both use the same pool.
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        sqlite = url.startswith("sqlite")
        path = url.split("///", 1)[-1] if sqlite else ""
        background = sqlite and path not in ("", ":memory:")
        self.engine = make_engine(url, echo=echo, background_checkpoint=background)
        self.write_engine = (
            make_engine(url, echo=echo, immediate=True, background_checkpoint=background)
            if sqlite else self.engine
        )
        self._checkpointer = _Checkpointer(path) if background else None
        self.reader = make_sessionmaker(self.engine)
        self.writer = make_sessionmaker(self.write_engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def read(self) -> Session:
        """A session for reading (and small writes that may wait for the lock)."""
        return self.reader()

    def write(self) -> Session:
        """A session that intends to write."""
        return self.writer()

    def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        self.engine.dispose()
        if self.write_engine is not self.engine:
            self.write_engine.dispose()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def insert_ids(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert `rows` into `table` (integer primary key `id`); return their ids in order.

    PostgreSQL: one INSERT … RETURNING per batch, sorted by parameter order. SQLite cannot
    promise the order of RETURNING for several rows, so SQLAlchemy would run one INSERT per
    row; instead, inside a write transaction (nobody else can insert), an executemany
    gives each row the largest id so far + 1, so the ids are the run ending at
    last_insert_rowid(), which is checked before it is trusted.
    """
    if not rows:
        return []
    if conn.dialect.name != "sqlite":
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(conn.execute(statement, list(rows)).scalars().all())
    conn.execute(insert(table), list(rows))
    last = int(conn.exec_driver_sql("SELECT last_insert_rowid()").scalar_one())
    first = last - len(rows) + 1
    found = conn.execute(select(func.count()).select_from(table)
                         .where(table.c.id.between(first, last))).scalar_one()
    if found != len(rows):  # ids were not consecutive (a rowid past 2**63 - 1 is random)
        raise RuntimeError(f"{table.name}: ids of a batch insert are not consecutive")
    return list(range(first, last + 1))
