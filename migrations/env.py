from alembic import context
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from models.db import make_engine
from models.settings import get_settings

target_metadata = SQLModel.metadata


def run_migrations() -> None:
    url = context.config.attributes.get("database_url") or get_settings().database_url
    connectable = make_engine(url)
    with connectable.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations rebuild a table by copying and dropping it, which foreign keys
            # referencing it would refuse on a database that holds rows.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=sqlite)
        with context.begin_transaction():
            context.run_migrations()
    connectable.dispose()


run_migrations()
