"""SQLite under concurrent requests (the embedded default): writers queue for the database instead
of failing or sleeping, and readers never wait for a writer. Plain engines with the app's engine
events on a file of their own, so the behaviour is SQLite's, not the test session's."""
import threading

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import Session

from app.db import configure_engine_events, read_core


@pytest.fixture()
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'locks.db'}")
    configure_engine_events(engine)

    @event.listens_for(engine, "connect")
    def _no_busy_wait(dbapi_connection, _record):
        # SQLite's own wait switched off: a writer that finds the database locked fails at once,
        # so only the app's writer queue can make concurrent writers succeed.
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE visits (id INTEGER PRIMARY KEY, who TEXT)")
    yield engine
    engine.dispose()


def test_concurrent_writers_take_turns_instead_of_failing(engine):
    errors, inside, overlaps = [], [], []
    lock = threading.Lock()

    def write(who: str):
        try:
            for _ in range(20):
                with engine.begin() as connection:
                    with lock:
                        inside.append(who)
                        if len(inside) > 1:
                            overlaps.append(tuple(inside))
                    connection.execute(text("INSERT INTO visits (who) VALUES (:who)"), {"who": who})
                    with lock:
                        inside.remove(who)
        except Exception as exc:        # "database is locked" without the queue
            errors.append(repr(exc))

    threads = [threading.Thread(target=write, args=(f"w{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert overlaps == []           # one write transaction at a time
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM visits")) == 6 * 20


def test_a_reader_does_not_wait_for_an_open_write_transaction(engine):
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO visits (who) VALUES ('committed')"))
    writer = engine.connect()
    writer.begin()
    writer.execute(text("INSERT INTO visits (who) VALUES ('pending')"))
    try:
        session = Session(engine)
        # With busy_timeout 0 a reader that asked for the write lock would fail here.
        rows = read_core(session, text("SELECT who FROM visits ORDER BY id"), {})
        assert [row.who for row in rows] == ["committed"]
        session.close()
    finally:
        writer.rollback()
        writer.close()


def test_a_transaction_that_fails_hands_the_queue_on(engine):
    with pytest.raises(RuntimeError):
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO visits (who) VALUES ('rolled back')"))
            raise RuntimeError("the request failed half way")
    done = []
    thread = threading.Thread(target=lambda: done.append(_write_once(engine)))
    thread.start()
    thread.join(timeout=10)
    assert done == ["ok"]
    with engine.connect() as connection:
        assert connection.scalars(text("SELECT who FROM visits")).all() == ["next"]


def _write_once(engine) -> str:
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO visits (who) VALUES ('next')"))
    return "ok"


def test_a_connection_invalidated_mid_transaction_hands_the_queue_on(engine):
    connection = engine.connect()
    connection.begin()
    connection.execute(text("INSERT INTO visits (who) VALUES ('lost')"))
    connection.invalidate()         # what the pool does with a connection it considers broken
    connection.close()
    done = []
    thread = threading.Thread(target=lambda: done.append(_write_once(engine)))
    thread.start()
    thread.join(timeout=10)
    assert done == ["ok"]
