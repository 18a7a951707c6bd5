"""owed work: the index entries and links a writer has still to make

Revision ID: 0002_owed_work
Revises: 0001
Create Date: 2026-12-05 23:40:00

A document and the record that its derived data is owed are written in one transaction, so a
killed ingest can no longer leave documents whose links nobody will ever build (issue 11).
"""

from alembic import op
import sqlalchemy as sa


revision = '0002_owed_work'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('owed_work',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_owed_work_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_owed_work')),
    sa.UniqueConstraint('document_id', name=op.f('uq_owed_work_document_id'))
    )


def downgrade() -> None:
    op.drop_table('owed_work')
