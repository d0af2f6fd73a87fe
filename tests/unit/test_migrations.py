"""The Alembic migrations build exactly the schema the models declare, and can be undone."""

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (registers every table)
from models import db
from models.settings import PROJECT_ROOT


def test_upgrade_matches_the_models_and_downgrade_removes_everything(tmp_path):
    url = f"sqlite:///{tmp_path / 'scratch.db'}"
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    command.upgrade(config, "heads")
    engine = db.make_engine(url)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []
    command.downgrade(config, "base")
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "heads")
    assert set(SQLModel.metadata.tables) <= set(sa.inspect(engine).get_table_names())
    engine.dispose()
