"""Ratings, idempotent replays and service-recovery tasks; merges the WeChat (0002) and badge
(0003) branches.

Revision ID: 0004
Revises: 0002, 0003
Create Date: 2026-11-24 02:09:38.995280

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = ('0002', '0003')  # also merges the WeChat and badge branches
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('idempotent_replays',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['wechat_users.id'], name=op.f('fk_idempotent_replays_user_id_wechat_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotent_replays')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_idempotent_replays_user_id_key'))
    )
    op.create_table('ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=True),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('client_ip', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=400), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sa.String(length=200), nullable=True),
    sa.CheckConstraint("channel IN ('miniprogram', 'h5', 'sms_link')", name=op.f('ck_ratings_channel')),
    sa.CheckConstraint('stars BETWEEN 1 AND 5', name=op.f('ck_ratings_stars')),
    sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'], name=op.f('fk_ratings_order_id_work_orders')),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_ratings_technician_id_technicians')),
    sa.ForeignKeyConstraint(['user_id'], ['wechat_users.id'], name=op.f('fk_ratings_user_id_wechat_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ratings')),
    sa.UniqueConstraint('order_id', name=op.f('uq_ratings_order_id'))
    )
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.create_index('ix_ratings_technician_created', ['technician_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ratings_user_id'), ['user_id'], unique=False)

    op.create_table('recovery_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('team', sa.String(length=64), nullable=False),
    sa.Column('area', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=100), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=100), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("source IN ('rating', 'callback')", name=op.f('ck_recovery_tasks_source')),
    sa.CheckConstraint("status IN ('open', 'claimed', 'closed')", name=op.f('ck_recovery_tasks_status')),
    sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'], name=op.f('fk_recovery_tasks_order_id_work_orders')),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_recovery_tasks_technician_id_technicians')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_tasks')),
    sa.UniqueConstraint('order_id', name=op.f('uq_recovery_tasks_order_id'))
    )
    with op.batch_alter_table('recovery_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_recovery_tasks_team_status', ['team', 'status'], unique=False)

def downgrade():
    with op.batch_alter_table('recovery_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_recovery_tasks_team_status')

    op.drop_table('recovery_tasks')
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ratings_user_id'))
        batch_op.drop_index('ix_ratings_technician_created')

    op.drop_table('ratings')
    op.drop_table('idempotent_replays')

