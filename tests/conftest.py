"""Shared fixtures: a migrated, seeded database on every configured backend.

Tests marked `db` run once on SQLite and once on PostgreSQL (127.0.0.1:5432, trust auth, as on
the development machines and CI). Without a reachable PostgreSQL those runs are skipped, except
under CI=true, where they fail: CI must exercise both.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from admin.migrate import prepare_database
from models import db, settings

POSTGRES_ADMIN_URL = os.environ.get("PILOTFLOW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
CATALOG_TABLES = {"sector", "site"}


def _use_database(url: str, document_dir: Path) -> None:
    os.environ["PILOTFLOW_DATABASE_URL"] = url
    os.environ["PILOTFLOW_DOCUMENT_DIR"] = str(document_dir)
    os.environ["PILOTFLOW_API_KEY"] = "test-key"
    settings.get_settings.cache_clear()
    db.get_engine.cache_clear()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'pilotflow.db'}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = f"pilotflow_test_{uuid.uuid4().hex[:8]}"
    try:
        admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required under CI and not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    yield sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    db.get_engine().dispose()
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


_prepared: set[str] = set()


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path_factory) -> Iterator[str]:
    """A migrated and seeded database, emptied of everything but the catalog after each test."""
    url = request.getfixturevalue(f"{request.param}_url")
    _use_database(url, tmp_path_factory.mktemp("documents"))
    if url not in _prepared:
        prepare_database()
        _prepared.add(url)
    yield request.param
    engine = db.get_engine()
    with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            if table.name not in CATALOG_TABLES:
                connection.execute(table.delete())


def pytest_collection_modifyitems(items):
    for item in items:
        if "database" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)
