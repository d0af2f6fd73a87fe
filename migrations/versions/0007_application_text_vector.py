"""the application text's sentence embedding, stored at screening for the duplicate checks of later submissions

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 16:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_vector', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_column('text_vector')
