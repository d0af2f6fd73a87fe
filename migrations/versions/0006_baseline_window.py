"""each methodology's baseline window (T0): the days before the start in which the site is measured as it is

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 16:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('methodology', schema=None) as batch_op:
        batch_op.add_column(sa.Column('baseline_days', sa.Integer(), nullable=False, server_default='14'))


def downgrade() -> None:
    with op.batch_alter_table('methodology', schema=None) as batch_op:
        batch_op.drop_column('baseline_days')
