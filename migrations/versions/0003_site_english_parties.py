"""sites name their party in English too: the owner's legal name, its signatory's name and title

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 01:30:00.000000
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

COLUMNS = ('owner_name_en', 'signatory_name_en', 'signatory_title_en')


def upgrade() -> None:
    # Sites already stored get '' here; the catalog seed that runs after the migrations (python -m admin.migrate)
    # fills them in from sites.json.
    with op.batch_alter_table('site', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.add_column(sa.Column(column, sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                          server_default=''))
    # The default only served the rows already there: the models declare none.
    with op.batch_alter_table('site', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.alter_column(column, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('site', schema=None) as batch_op:
        for column in reversed(COLUMNS):
            batch_op.drop_column(column)
