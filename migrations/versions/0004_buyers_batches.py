"""buyer verification (users.verified) and bulk requisitions (order_batches, orders.batch_id)

Revision ID: 0004_buyers_batches
Revises: 0003_heartbeats
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_buyers_batches"
down_revision = "0003_heartbeats"
branch_labels = None
depends_on = None


def upgrade():
    # existing buyers start unverified: an admin confirms each one (their open orders stay as they are)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verified", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "order_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["buyer_id"], ["users.id"], name=op.f("fk_order_batches_buyer_id_users")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_order_batches_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_batches")),
    )
    with op.batch_alter_table("order_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_batches_buyer_id"), ["buyer_id"], unique=False)
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("batch_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_orders_batch_id"), ["batch_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_orders_batch_id_order_batches"), "order_batches", ["batch_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_orders_batch_id_order_batches"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_orders_batch_id"))
        batch_op.drop_column("batch_id")
    with op.batch_alter_table("order_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_batches_buyer_id"))
    op.drop_table("order_batches")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("verified")
