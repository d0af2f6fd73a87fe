"""idempotency keys expire: index idempotencyrecord.created_at for the purge of old keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 10:00:00.000000
"""
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('idempotencyrecord', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotencyrecord_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('idempotencyrecord', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotencyrecord_created_at'))
