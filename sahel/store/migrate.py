"""Create and upgrade the PostgreSQL store's schema with Alembic (never by hand-run SQL)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from sahel.store.interface import StoreError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def sqlalchemy_url(url: str) -> str:
    """Return a libpq URL (`postgresql://…`) as SQLAlchemy names it with psycopg 3."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def alembic_config(url: str) -> Config:
    """Return Alembic's configuration for the database at `url` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # An attribute, not a main option: a `%` in a password would trip ConfigParser.
    config.attributes["url"] = sqlalchemy_url(url)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply the pending migrations up to `revision`; raise StoreError (one sentence) on failure."""
    try:
        command.upgrade(alembic_config(url), revision)
    except SQLAlchemyError as error:
        raise StoreError(f"cannot migrate the database: {_first_line(error)}") from None


def upgrade_sql(url: str, revision: str = "head") -> str:
    """Return the SQL the migrations up to `revision` would run, for a database administrator."""
    config = alembic_config(url)
    config.output_buffer = io.StringIO()
    command.upgrade(config, revision, sql=True)
    return config.output_buffer.getvalue()


def current_revision(url: str) -> str | None:
    """Return the database's schema revision (None: not migrated yet)."""
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as error:
        raise StoreError(f"cannot read the database's schema revision: "
                         f"{_first_line(error)}") from None
    finally:
        engine.dispose()


def head_revision() -> str:
    """Return the newest revision the migrations of this version reach."""
    head = ScriptDirectory.from_config(alembic_config("postgresql:///x")).get_current_head()
    return head or ""


def _first_line(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    with contextlib.suppress(IndexError):
        return str(original).strip().splitlines()[0][:300]
    return type(original).__name__
