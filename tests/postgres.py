"""Scratch PostgreSQL databases for tests that need one of their own."""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from tests.conftest import POSTGRES_ADMIN_URL


@contextmanager
def scratch_databases(*prefixes: str) -> Iterator[list[str]]:
    """One new, empty database per prefix, dropped afterwards; their URLs, in the admin URL's driver.
    Skips the test where PostgreSQL is not reachable, except under CI=true, where it fails."""
    names = [f"{prefix}_{uuid.uuid4().hex[:8]}" for prefix in prefixes]
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for name in names:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required under CI and not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    url = sa.engine.make_url(POSTGRES_ADMIN_URL)
    try:
        yield [url.set(database=name).render_as_string(hide_password=False) for name in names]
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
