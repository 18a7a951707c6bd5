"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23 11:34:07.790591
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ingested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('parsed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('parser_version', sa.String(length=64), nullable=True),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.Column('raw_path', sa.Text(), nullable=True),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['documents.id'], name=op.f('fk_documents_superseded_by_id_documents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('sha256', name=op.f('uq_documents_sha256'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_source'), ['source'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_superseded_by_id'), ['superseded_by_id'], unique=False)

    op.create_table('budget_agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_budget_agreements_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_agreements')),
    sa.UniqueConstraint('document_id', name=op.f('uq_budget_agreements_document_id'))
    )
    with op.batch_alter_table('budget_agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_agreements_year'), ['year'], unique=False)

    op.create_table('document_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('heading', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_sections_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_sections'))
    )
    with op.batch_alter_table('document_sections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_sections_document_id'), ['document_id'], unique=False)

    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('committee', sa.Text(), nullable=False),
    sa.Column('committee_slug', sa.Text(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Text(), nullable=True),
    sa.Column('location', sa.Text(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_meetings_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings')),
    sa.UniqueConstraint('committee_slug', 'date', 'kind', name=op.f('uq_meetings_committee_slug_date_kind')),
    sa.UniqueConstraint('document_id', name=op.f('uq_meetings_document_id'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetings_committee'), ['committee'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_date'), ['date'], unique=False)

    op.create_table('budget_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('point', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['budget_agreements.id'], name=op.f('fk_budget_points_agreement_id_budget_agreements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_points'))
    )
    with op.batch_alter_table('budget_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_points_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_points_point'), ['point'], unique=False)

    op.create_table('items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=255), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('case_number', sa.Text(), nullable=True),
    sa.Column('case_key', sa.Text(), nullable=True),
    sa.Column('supplementary', sa.Boolean(), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('recommendation', sa.Text(), nullable=True),
    sa.Column('decision', sa.Text(), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('decided_by', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_items_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_items')),
    sa.UniqueConstraint('uid', name=op.f('uq_items_uid'))
    )
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_items_case_key'), ['case_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_items_case_number'), ['case_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_items_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_items_outcome'), ['outcome'], unique=False)

    op.create_table('participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('party', sa.Text(), nullable=True),
    sa.Column('role', sa.Text(), nullable=True),
    sa.Column('present', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_participants_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participants'))
    )
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participants_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_attachments_item_id_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_item_id'), ['item_id'], unique=False)

    op.create_table('budget_point_refs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('item_number', sa.Integer(), nullable=True),
    sa.Column('resolved_item_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['point_id'], ['budget_points.id'], name=op.f('fk_budget_point_refs_point_id_budget_points'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_item_id'], ['items.id'], name=op.f('fk_budget_point_refs_resolved_item_id_items'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_point_refs'))
    )
    with op.batch_alter_table('budget_point_refs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_point_refs_point_id'), ['point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_point_refs_resolved_item_id'), ['resolved_item_id'], unique=False)

    op.create_table('budget_refs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('point', sa.Text(), nullable=True),
    sa.Column('quote', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_budget_refs_item_id_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_refs'))
    )
    with op.batch_alter_table('budget_refs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_refs_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_refs_year'), ['year'], unique=False)

    op.create_table('links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('from_item_id', sa.Integer(), nullable=False),
    sa.Column('to_item_id', sa.Integer(), nullable=True),
    sa.Column('to_budget_point_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=True),
    sa.CheckConstraint('(to_item_id IS NULL) <> (to_budget_point_id IS NULL)', name=op.f('ck_links_one_target')),
    sa.ForeignKeyConstraint(['from_item_id'], ['items.id'], name=op.f('fk_links_from_item_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_budget_point_id'], ['budget_points.id'], name=op.f('fk_links_to_budget_point_id_budget_points'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_item_id'], ['items.id'], name=op.f('fk_links_to_item_id_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_links'))
    )
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_links_from_item_id_kind'), ['from_item_id', 'kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_links_to_budget_point_id'), ['to_budget_point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_links_to_item_id'), ['to_item_id'], unique=False)

    op.create_table('sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('heading', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_sections_item_id_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sections'))
    )
    with op.batch_alter_table('sections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sections_item_id'), ['item_id'], unique=False)

    op.create_table('treatments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('item_number', sa.Integer(), nullable=True),
    sa.Column('resolved_item_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_treatments_item_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_item_id'], ['items.id'], name=op.f('fk_treatments_resolved_item_id_items'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_treatments'))
    )
    with op.batch_alter_table('treatments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_treatments_date'), ['date'], unique=False)
        batch_op.create_index(batch_op.f('ix_treatments_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_treatments_resolved_item_id'), ['resolved_item_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('treatments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_treatments_resolved_item_id'))
        batch_op.drop_index(batch_op.f('ix_treatments_item_id'))
        batch_op.drop_index(batch_op.f('ix_treatments_date'))

    op.drop_table('treatments')
    with op.batch_alter_table('sections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sections_item_id'))

    op.drop_table('sections')
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_links_to_item_id'))
        batch_op.drop_index(batch_op.f('ix_links_to_budget_point_id'))
        batch_op.drop_index(batch_op.f('ix_links_from_item_id_kind'))

    op.drop_table('links')
    with op.batch_alter_table('budget_refs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_refs_year'))
        batch_op.drop_index(batch_op.f('ix_budget_refs_item_id'))

    op.drop_table('budget_refs')
    with op.batch_alter_table('budget_point_refs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_point_refs_resolved_item_id'))
        batch_op.drop_index(batch_op.f('ix_budget_point_refs_point_id'))

    op.drop_table('budget_point_refs')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_item_id'))

    op.drop_table('attachments')
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participants_meeting_id'))

    op.drop_table('participants')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_items_outcome'))
        batch_op.drop_index(batch_op.f('ix_items_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_items_case_number'))
        batch_op.drop_index(batch_op.f('ix_items_case_key'))

    op.drop_table('items')
    with op.batch_alter_table('budget_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_points_point'))
        batch_op.drop_index(batch_op.f('ix_budget_points_agreement_id'))

    op.drop_table('budget_points')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meetings_date'))
        batch_op.drop_index(batch_op.f('ix_meetings_committee'))

    op.drop_table('meetings')
    with op.batch_alter_table('document_sections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_sections_document_id'))

    op.drop_table('document_sections')
    with op.batch_alter_table('budget_agreements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_agreements_year'))

    op.drop_table('budget_agreements')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_superseded_by_id'))
        batch_op.drop_index(batch_op.f('ix_documents_source'))
        batch_op.drop_index(batch_op.f('ix_documents_kind'))

    op.drop_table('documents')
