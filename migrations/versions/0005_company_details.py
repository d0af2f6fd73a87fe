"""company details kept per submission and per contract, so that only the company or a coordinator changes its record

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 15:30:00.000000
"""
import json

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

DETAILS = ("name", "registration_number", "country", "address", "contact_email", "signatory_name", "signatory_title")


def upgrade() -> None:
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submitted_company_details', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('company_details_pending', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_application_company_details_pending'), ['company_details_pending'],
                              unique=False)
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.add_column(sa.Column('company_details', sa.JSON(), nullable=False, server_default='{}'))

    # What was stored before is the company's record as it stands: each application and contract gets it.
    connection = op.get_bind()
    companies = {row.id: json.dumps({field: getattr(row, field) for field in DETAILS})
                 for row in connection.execute(sa.text(f"SELECT id, {', '.join(DETAILS)} FROM company"))}
    for table in ('application', 'contract'):
        column = 'submitted_company_details' if table == 'application' else 'company_details'
        company_of = ("SELECT id, company_id FROM application" if table == 'application' else
                      "SELECT contract.id, application.company_id FROM contract "
                      "JOIN application ON application.id = contract.application_id")
        for row in connection.execute(sa.text(company_of)).all():
            connection.execute(sa.text(f"UPDATE {table} SET {column} = :details WHERE id = :id"),
                               {"details": companies[row.company_id], "id": row.id})


def downgrade() -> None:
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_column('company_details')
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_company_details_pending'))
        batch_op.drop_column('company_details_pending')
        batch_op.drop_column('submitted_company_details')
