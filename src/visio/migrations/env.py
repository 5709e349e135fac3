"""Alembic environment for Visio.

Run through :meth:`visio.db.Database.upgrade`, which hands over an open
connection in ``config.attributes["connection"]`` (so the engine's SQLite
pragmas apply).  Without one, the URL comes from the ``sqlalchemy.url`` option,
which is how ``alembic revision --autogenerate`` is pointed at a database.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

# Importing the models registers their tables on Base.metadata (autogenerate).
import visio.access.models
import visio.accounts.models
import visio.rooms.models
import visio.transcripts.models  # noqa: F401
from visio.db import Base, Database

target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # Always batch: ALTER TABLE on SQLite means copying the table, and one
        # form of migration then works on SQLite and PostgreSQL alike.
        render_as_batch=True,
        compare_type=True,
    )


def run_migrations_offline() -> None:
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        render_as_batch=True,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if isinstance(connection, Connection):
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return

    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("set sqlalchemy.url or pass a connection in config.attributes")
    database = Database(url)
    try:
        with database.engine.begin() as own_connection:
            _configure(own_connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        database.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
