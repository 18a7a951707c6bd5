"""items.number and meetings.date may be null: a page showing one item often prints neither

Revision ID: 0003_nullable_number
Revises: 0002_owed_work
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_nullable_number"
down_revision = "0002_owed_work"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot ALTER a column's nullability in place; Alembic copies the table.
    with op.batch_alter_table("items") as batch:
        batch.alter_column("number", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("meetings") as batch:  # a page that prints no meeting date
        batch.alter_column("date", existing_type=sa.Date(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.alter_column("date", existing_type=sa.Date(), nullable=False)
    with op.batch_alter_table("items") as batch:
        batch.alter_column("number", existing_type=sa.Integer(), nullable=False)
