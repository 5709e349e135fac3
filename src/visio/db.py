"""The database: engine, sessions, migrations and the declarative base.

One :class:`Database` per process, built from a SQLAlchemy URL (SQLite by
default, PostgreSQL in production).  The schema is owned by the Alembic
migrations shipped inside the package (``visio/migrations``): :meth:`Database.upgrade`
applies them, nothing ever calls ``create_all``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from pydantic import BaseModel
from sqlalchemy import JSON, URL, Connection, DateTime, Dialect, MetaData, event, make_url, text
from sqlalchemy.engine import Engine, create_engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool
from sqlalchemy.types import TypeDecorator

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Named constraints: SQLite batch migrations (table copy) and later ALTERs on
# PostgreSQL can only drop or rename a constraint they can name.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    SQLite has no time zone type: SQLAlchemy would silently drop ``tzinfo`` on
    the way in and hand back naive values.  Values are converted to UTC before
    they are stored and come back aware (UTC).  Naive values are refused rather
    than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: use an aware (UTC) datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


M = TypeVar("M", bound=BaseModel)


class PydanticJSON(TypeDecorator[M]):
    """A pydantic model stored as a JSON document.

    Keys the model does not know are dropped on load, so rows written by a newer
    release (then rolled back) still load; missing keys take the model defaults.
    Store frozen models and assign a new one to change it: in-place changes
    would not be seen by the session.
    """

    impl = JSON
    cache_ok = True

    def __init__(self, model: type[M]) -> None:
        super().__init__()
        self.model = model

    def process_bind_param(self, value: M | None, dialect: Dialect) -> dict[str, Any] | None:
        if value is None:
            return None
        return value.model_dump(mode="json")

    def process_result_value(self, value: Any, dialect: Dialect) -> M | None:
        if value is None:
            return None
        known = {key: item for key, item in dict(value).items() if key in self.model.model_fields}
        return self.model.model_validate(known)


def normalize_url(url: str | URL) -> URL:
    """Parse a database URL; bare ``postgresql://`` and ``postgres://`` mean psycopg 3.

    SQLAlchemy would pick psycopg2 for them, which Visio does not depend on.
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite URL, or None for in-memory and ``file:`` URI databases."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:") or url.query.get("uri") in ("true", "1"):
        return None
    return Path(database)


def _is_sqlite_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


class Database:
    """Engine and sessions for one database URL.  Construction does not connect."""

    def __init__(self, url: str | URL) -> None:
        self.url = normalize_url(url)
        self.engine = self._create_engine()
        self._sessions = sessionmaker(bind=self.engine, expire_on_commit=False)

    def _create_engine(self) -> Engine:
        url = self.url
        if url.get_backend_name() != "sqlite":
            # Connections dropped by PostgreSQL restarts or idle timeouts are
            # noticed at checkout instead of failing a request.
            return create_engine(url, pool_pre_ping=True)

        options: dict[str, Any] = {
            # FastAPI runs a sync dependency's setup and teardown in threadpool
            # threads that may differ from the endpoint's; sessions are still
            # used by one thread at a time.
            "connect_args": {"check_same_thread": False},
        }
        if _is_sqlite_memory(url):
            # Each new connection would otherwise see its own empty database.
            options["poolclass"] = StaticPool
        engine = create_engine(url, **options)
        self._install_sqlite_hooks(engine, _sqlite_file(url))
        return engine

    @staticmethod
    def _install_sqlite_hooks(engine: Engine, path: Path | None) -> None:
        @event.listens_for(engine, "do_connect")
        def make_folder(*_: Any) -> None:
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)

        @event.listens_for(engine, "connect")
        def on_connect(dbapi_connection: Any, _: ConnectionPoolEntry) -> None:
            # Python < 3.12's sqlite3 starts transactions only before DML and
            # mishandles SAVEPOINT; take over BEGIN (see "begin" below) so that
            # transactions and savepoints mean what they say.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            try:
                # WAL: readers do not block the writer (and vice versa).
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA foreign_keys=ON")
            finally:
                cursor.close()

        @event.listens_for(engine, "begin")
        def on_begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed when the block ends, rolled back if it raises.

        Objects stay usable after the commit (``expire_on_commit=False``).
        """
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def alembic_config(self) -> Config:
        """An Alembic configuration for this database, built without any ``alembic.ini``."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        # ConfigParser interpolation: a literal "%" (URL-encoded password) must be doubled.
        rendered = self.url.render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
        return config

    def upgrade(self, revision: str = "head") -> None:
        """Apply the migrations up to ``revision``; a no-op when already there."""
        config = self.alembic_config()
        with self.engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # Batch migrations copy a table and drop the original; with
                # foreign keys enforced that drop would cascade into (or be
                # refused by) the referencing rows.  The pragma is ignored
                # inside a transaction, hence before BEGIN.
                _sqlite_pragma(connection, "PRAGMA foreign_keys=OFF")
            try:
                with connection.begin():
                    config.attributes["connection"] = connection
                    command.upgrade(config, revision)
                    if sqlite:
                        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                        if broken:
                            raise RuntimeError(f"migration broke foreign keys: {broken[:5]!r}")
            finally:
                if sqlite:
                    _sqlite_pragma(connection, "PRAGMA foreign_keys=ON")

    def check(self) -> None:
        """Run ``SELECT 1``.

        Raises :class:`sqlalchemy.exc.SQLAlchemyError` if the database does not
        answer, :class:`OSError` if a SQLite file's folder cannot be created.
        """
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1")).scalar_one()

    def dispose(self) -> None:
        """Close pooled connections (at shutdown, or after a fork)."""
        self.engine.dispose()


def _sqlite_pragma(connection: Connection, statement: str) -> None:
    """Run a pragma on the driver connection, outside any transaction."""
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(statement)
    finally:
        cursor.close()
