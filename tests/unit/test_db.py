from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from visio.db import Base, Database
from visio.rooms.models import Room, RoomSettings


def make_db(tmp_path: Path, name: str = "visio.db") -> Database:
    return Database(f"sqlite:///{tmp_path / name}")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = make_db(tmp_path)
    database.upgrade()
    yield database
    database.dispose()


def test_upgrade_creates_the_sqlite_folder_and_file(tmp_path: Path) -> None:
    database = make_db(tmp_path, "nested/deeper/visio.db")
    database.upgrade()
    database.dispose()
    assert (tmp_path / "nested" / "deeper" / "visio.db").is_file()


def test_upgrade_twice_is_a_no_op(tmp_path: Path) -> None:
    database = make_db(tmp_path)
    database.upgrade()
    database.upgrade()
    head = ScriptDirectory.from_config(database.alembic_config()).get_current_head()
    with database.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    database.dispose()
    assert head is not None
    assert current == head


def test_migrated_schema_matches_the_models(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_schema_comparison_would_notice_a_difference(db: Database) -> None:
    # Guards the test above against comparing nothing.
    metadata = sa.MetaData()
    sa.Table("rooms", metadata, sa.Column("id", sa.String(36), primary_key=True))
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, metadata) != []


def test_sqlite_connections_use_wal_and_foreign_keys(db: Database) -> None:
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_session_commits_on_success(db: Database) -> None:
    with db.session() as session:
        session.add(Room(slug="abcd-efgh-ijkl"))
    with db.session() as session:
        assert session.scalars(sa.select(Room.slug)).all() == ["abcd-efgh-ijkl"]


def test_session_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError), db.session() as session:
        session.add(Room(slug="abcd-efgh-ijkl"))
        session.flush()
        raise RuntimeError("boom")
    with db.session() as session:
        assert session.scalars(sa.select(Room)).all() == []


def test_failed_savepoint_keeps_the_outer_transaction(db: Database) -> None:
    with db.session() as session:
        session.add(Room(slug="aaaa-aaaa-aaaa"))
        session.flush()
        with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
            session.add(Room(slug="aaaa-aaaa-aaaa"))
        session.add(Room(slug="bbbb-bbbb-bbbb"))
    with db.session() as session:
        slugs = session.scalars(sa.select(Room.slug).order_by(Room.slug)).all()
    assert slugs == ["aaaa-aaaa-aaaa", "bbbb-bbbb-bbbb"]


def test_released_savepoint_is_undone_by_an_outer_rollback(db: Database) -> None:
    # pysqlite's own transaction handling would have committed at RELEASE.
    with pytest.raises(RuntimeError), db.session() as session:
        with session.begin_nested():
            session.add(Room(slug="aaaa-aaaa-aaaa"))
        raise RuntimeError("boom")
    with db.session() as session:
        assert session.scalars(sa.select(Room)).all() == []


def test_datetimes_come_back_aware_in_utc(db: Database) -> None:
    paris = timezone(timedelta(hours=2))
    moment = datetime(2025, 6, 1, 12, 0, tzinfo=paris)
    with db.session() as session:
        session.add(Room(id="r1", slug="abcd-efgh-ijkl", created_at=moment))
    with db.session() as session:
        room = session.get_one(Room, "r1")
        assert room.created_at == moment
        assert room.created_at.tzinfo is UTC
        assert room.updated_at.tzinfo is UTC


def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(sa.exc.StatementError), db.session() as session:
        session.add(Room(slug="abcd-efgh-ijkl", created_at=datetime(2025, 1, 1)))


def test_settings_round_trip_as_json_and_unknown_keys_are_dropped(db: Database) -> None:
    with db.session() as session:
        session.add(Room(id="r1", slug="abcd-efgh-ijkl", settings=RoomSettings(max_participants=5)))
    with db.engine.begin() as connection:
        stored = connection.exec_driver_sql("SELECT settings FROM rooms").scalar_one()
        assert '"max_participants": 5' in stored
        connection.exec_driver_sql(
            """UPDATE rooms SET settings = '{"max_participants": 7, "from_the_future": 1}'"""
        )
    with db.session() as session:
        assert session.get_one(Room, "r1").settings == RoomSettings(max_participants=7)


def test_check_answers_when_the_database_is_reachable(db: Database) -> None:
    db.check()


def test_check_raises_when_the_database_cannot_be_opened(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    database = Database(f"sqlite:///{tmp_path / 'a-file' / 'visio.db'}")
    with pytest.raises((sa.exc.SQLAlchemyError, OSError)):
        database.check()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://visio:secret@db.example.org:5432/visio",
        "postgresql://visio:secret@db.example.org/visio",
        "postgres://visio:secret@db.example.org/visio",
    ],
)
def test_postgresql_urls_use_psycopg_without_connecting(url: str) -> None:
    database = Database(url)
    assert database.engine.dialect.name == "postgresql"
    assert database.engine.dialect.driver == "psycopg"
    assert database.alembic_config().get_main_option("sqlalchemy.url") == (
        database.url.render_as_string(hide_password=False)
    )
    database.dispose()


def test_percent_signs_in_passwords_survive_the_alembic_config() -> None:
    database = Database("postgresql+psycopg://visio:p%40ss%25@localhost/visio")
    assert database.alembic_config().get_main_option("sqlalchemy.url") == (
        "postgresql+psycopg://visio:p%40ss%25@localhost/visio"
    )


def test_in_memory_sqlite_keeps_one_database_across_sessions() -> None:
    database = Database("sqlite://")
    database.upgrade()
    with database.session() as session:
        session.add(Room(slug="abcd-efgh-ijkl"))
    with database.session() as session:
        assert session.scalars(sa.select(Room.slug)).one() == "abcd-efgh-ijkl"
    database.dispose()
