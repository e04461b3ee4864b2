"""Rating invitations: at most one subscribe message per order.

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rating_invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('error', sa.String(length=200), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')",
                           name=op.f('ck_rating_invitations_status')),
        sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'],
                                name=op.f('fk_rating_invitations_order_id_work_orders')),
        sa.ForeignKeyConstraint(['user_id'], ['wechat_users.id'],
                                name=op.f('fk_rating_invitations_user_id_wechat_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_invitations')),
        sa.UniqueConstraint('order_id', name=op.f('uq_rating_invitations_order_id')),
    )
    with op.batch_alter_table('rating_invitations', schema=None) as batch_op:
        batch_op.create_index('ix_rating_invitations_status', ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('rating_invitations', schema=None) as batch_op:
        batch_op.drop_index('ix_rating_invitations_status')
    op.drop_table('rating_invitations')
