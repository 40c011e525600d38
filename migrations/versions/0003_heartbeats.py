"""heartbeats: when the periodic sweep last ran, kept where a Redis that comes back empty cannot lose it

Revision ID: 0003_heartbeats
Revises: 0002_sessions
Create Date: 2026-11-29 08:15:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0003_heartbeats"
down_revision = "0002_sessions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "heartbeats",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("beat_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_heartbeats")),
    )


def downgrade():
    op.drop_table("heartbeats")
