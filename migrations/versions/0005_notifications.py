"""notifications outbox (notifications, deliveries per channel), order messages, users' channel choices

Revision ID: 0005_notifications
Revises: 0004_buyers_batches
Create Date: 2026-11-29 07:47:59.903530

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0005_notifications"
down_revision = "0004_buyers_batches"
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('once_key', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('fanned_out_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('user_id', 'once_key', name=op.f('uq_notifications_user_id_once_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_read', ['user_id', 'read_at'], unique=False)
        batch_op.create_index('ix_notifications_fanned_out_at', ['fanned_out_at'], unique=False)

    op.create_table('notification_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('delivery_id', sa.String(length=200), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('digest_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_notification_deliveries_notification_id_notifications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_deliveries')),
    sa.UniqueConstraint('notification_id', 'channel', name=op.f('uq_notification_deliveries_notification_id_channel'))
    )
    with op.batch_alter_table('notification_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_notification_deliveries_status_next', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_deliveries_digest_id'), ['digest_id'], unique=False)

    op.create_table('order_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_order_messages_author_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_messages_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_messages'))
    )
    with op.batch_alter_table('order_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_messages_order_id'), ['order_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_email', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('notify_sms', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('digest', sa.String(length=8), server_default='instant', nullable=False))




def downgrade():
    
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('digest')
        batch_op.drop_column('notify_sms')
        batch_op.drop_column('notify_email')

    with op.batch_alter_table('order_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_messages_order_id'))

    op.drop_table('order_messages')
    with op.batch_alter_table('notification_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_deliveries_digest_id'))
        batch_op.drop_index('ix_notification_deliveries_status_next')

    op.drop_table('notification_deliveries')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_fanned_out_at')
        batch_op.drop_index('ix_notifications_user_read')

    op.drop_table('notifications')

