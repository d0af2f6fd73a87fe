"""Bring a database to the latest schema with the project's Alembic migrations, and seed the catalog.

    python -m admin.migrate     # what scripts/stack.py runs before it starts anything
"""

from alembic import command
from alembic.config import Config

from models.catalog_seed import seed_catalog
from models.db import session_scope
from models.settings import PROJECT_ROOT


def upgrade_database(database_url: str | None = None) -> None:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    if database_url:
        config.attributes["database_url"] = database_url
    command.upgrade(config, "head")


def prepare_database() -> int:
    """Migrate, then add any missing sectors and sites (and fill in the site fields a migration added);
    returns how many sites were added."""
    upgrade_database()
    with session_scope() as session:
        return seed_catalog(session)


if __name__ == "__main__":
    print(f"database ready; {prepare_database()} test sites added")
