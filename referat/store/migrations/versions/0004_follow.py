"""following cases, promises and parties over time (issue 13): positions and vote counts read from
decisions, watches and what they delivered, and each fetch of a source

Revision ID: 0004_follow
Revises: 0003_nullable_number
Create Date: 2026-12-06 02:34:10
"""

from alembic import op
import sqlalchemy as sa


revision = '0004_follow'
down_revision = '0003_nullable_number'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('fetch_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('documents', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('newest_meeting', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fetch_runs'))
    )
    with op.batch_alter_table('fetch_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fetch_runs_source'), ['source'], unique=False)

    op.create_table('watches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('query', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('watermark', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watches'))
    )
    op.create_table('watch_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('watch_id', sa.Integer(), nullable=False),
    sa.Column('item_uid', sa.String(length=255), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['watch_id'], ['watches.id'], name=op.f('fk_watch_sent_watch_id_watches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watch_sent')),
    sa.UniqueConstraint('watch_id', 'item_uid', name=op.f('uq_watch_sent_watch_id_item_uid'))
    )
    with op.batch_alter_table('watch_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watch_sent_watch_id'), ['watch_id'], unique=False)

    op.create_table('positions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('party', sa.String(length=8), nullable=True),
    sa.Column('person', sa.Text(), nullable=True),
    sa.Column('quote', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_positions_item_id_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_positions'))
    )
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_positions_item_id'), ['item_id'], unique=False)
        batch_op.create_index('ix_positions_kind_party', ['kind', 'party'], unique=False)

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('votes_for', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('votes_against', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('votes_abstain', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('votes_abstain')
        batch_op.drop_column('votes_against')
        batch_op.drop_column('votes_for')

    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.drop_index('ix_positions_kind_party')
        batch_op.drop_index(batch_op.f('ix_positions_item_id'))

    op.drop_table('positions')
    with op.batch_alter_table('watch_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watch_sent_watch_id'))

    op.drop_table('watch_sent')
    op.drop_table('watches')
    with op.batch_alter_table('fetch_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fetch_runs_source'))

    op.drop_table('fetch_runs')
