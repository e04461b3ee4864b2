"""Declarative base, naming convention and the column types shared by every domain."""
from __future__ import annotations

import fcntl
import os
import threading
from datetime import datetime, timezone
from functools import cache

from sqlalchemy import DateTime, Engine, MetaData, Table, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC in Python, `timestamptz` on PostgreSQL, naive UTC text on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


# Execution option of a connection that only reads (SQLite: a deferred transaction, no write lock).
READ_ONLY = "app_read_only"


def execute_core(session: Session, statement, params: dict):
    """Run a statement that loads no entities on the session's connection, in its transaction:
    on the hottest paths the ORM's per-statement bookkeeping (about 50 µs of CPU) buys nothing."""
    return session.connection().execute(statement, params)


def read_core(session: Session, statement, params: dict) -> list:
    """The rows of a read-only statement that loads no entities, on a connection of its own when
    the session has not begun a transaction: one pooled connection for one statement, without the
    session's transaction bookkeeping (≈ 300 µs of CPU, most of a polled endpoint's own work).
    Once the session is in a transaction (it wrote or read already; a test's outer transaction)
    the statement runs there, so it sees what the session sees."""
    if isinstance(session, scoped_session):
        session = session()
    bind = session.get_bind()
    if isinstance(bind, Engine) and not session.in_transaction():
        with bind.connect() as connection:
            connection.execution_options(**{READ_ONLY: True})
            return connection.execute(statement, params).all()
    return session.connection().execute(statement, params).all()


def insert_unless_duplicate(session: Session, table: Table, values: dict, *,
                            unique: str | tuple[str, ...]) -> int | None:
    """INSERT … ON CONFLICT (`unique`) DO NOTHING RETURNING id: the new row's id, or None when a
    row with the same `unique` value(s) exists (committed, or committed by a racing transaction
    we waited for). One round trip, no savepoint, and the transaction stays usable."""
    statement = _insert_unless_duplicate(session.get_bind().dialect.name, table, unique)
    return execute_core(session, statement, values).scalar()


@cache
def _insert_unless_duplicate(dialect: str, table: Table, unique: str | tuple[str, ...]):
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    columns = [unique] if isinstance(unique, str) else list(unique)
    return insert(table).on_conflict_do_nothing(index_elements=columns).returning(table.c.id)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def configure_engine_events(engine: Engine) -> None:
    """SQLite: enforce foreign keys, wait on locks, and let SQLAlchemy own transactions.

    pysqlite's own BEGIN handling breaks SAVEPOINT (used by the test isolation and by imports), so
    we switch it off and emit BEGIN ourselves — the recipe from SQLAlchemy's SQLite dialect docs.
    """
    if engine.dialect.name != "sqlite":
        return
    if getattr(engine, "_rating_events", False):
        return
    engine._rating_events = True

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    queue = _WriterQueue.for_database(engine.url.database)

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if connection.get_execution_options().get(READ_ONLY):
            # A reader (read_core) takes no lock: in WAL mode it sees the last commit and
            # neither waits for writers nor makes them wait.
            connection.exec_driver_sql("BEGIN")
            return
        # IMMEDIATE takes the write lock up front: a deferred transaction that reads and then
        # writes fails with "database is locked" when another writer got in between.
        if queue is not None:
            queue.enter(connection.connection.dbapi_connection)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if queue is not None:
                queue.leave(connection.connection.dbapi_connection)
            raise

    if queue is not None:
        _leave_after(engine.dialect, "do_commit", queue)
        _leave_after(engine.dialect, "do_rollback", queue)

        # A connection the pool closes or invalidates mid-transaction (no commit, no rollback)
        # leaves the queue too: its database lock went with it.
        @event.listens_for(engine, "close")
        @event.listens_for(engine, "invalidate")
        def _on_gone(dbapi_connection, _record, *_exception):
            queue.leave(dbapi_connection)


def _leave_after(dialect, method: str, queue: _WriterQueue) -> None:
    """Wrap the dialect's commit or rollback so the writer queue is left once the database's own
    lock is released."""
    done = getattr(dialect, method)

    def wrapped(dbapi_connection):
        try:
            done(dbapi_connection)
        finally:
            queue.leave(dbapi_connection)
    setattr(dialect, method, wrapped)


class _WriterQueue:
    """Writers to one SQLite file wait their turn on an `flock` of a file beside it.

    SQLite's own wait for a busy database polls with sleeps that grow to 100 ms: under load two
    workers that both write wait far longer than the other's transaction lasts (p99 of the rating
    call 77 ms at 600 requests/s). The kernel wakes a process blocked in `flock` the moment the
    lock is released. The database lock stays the rule (busy_timeout still covers writers that
    do not take this lock, such as the sqlite3 shell); this only orders our own writers.

    A thread that already holds the lock through another connection (a nested transaction on a
    second connection) does not wait for itself: it goes straight to SQLite's lock as before.
    """

    def __init__(self, path: str):
        self.path = path
        # id(DBAPI connection) -> (file descriptor holding the lock, thread that took it)
        self.held: dict[int, tuple[int, int]] = {}

    @classmethod
    def for_database(cls, database: str | None) -> _WriterQueue | None:
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        return cls(f"{os.path.abspath(database)}-writers")

    def enter(self, dbapi_connection) -> None:
        me = threading.get_ident()
        if any(owner == me for _fd, owner in list(self.held.values())):
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self.held[id(dbapi_connection)] = (fd, me)

    def leave(self, dbapi_connection) -> None:
        # The pool's reset on return rolls back through its proxy of the DBAPI connection.
        dbapi_connection = getattr(dbapi_connection, "dbapi_connection", dbapi_connection)
        held = self.held.pop(id(dbapi_connection), None)
        if held is not None:
            os.close(held[0])                 # closing the descriptor releases its lock
