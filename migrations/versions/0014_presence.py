"""Proof of presence (在场扫码): live badge scans, and whether a rating's rater had one.

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'presences',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('technician_id', sa.Integer(), nullable=False),
        sa.Column('step', sa.BigInteger(), nullable=False),
        sa.Column('scanned_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('client_ip', sa.String(length=45), nullable=True),
        sa.CheckConstraint("channel IN ('miniprogram', 'h5')", name=op.f('ck_presences_channel')),
        sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'],
                                name=op.f('fk_presences_technician_id_technicians')),
        sa.ForeignKeyConstraint(['user_id'], ['wechat_users.id'],
                                name=op.f('fk_presences_user_id_wechat_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_presences')),
        sa.UniqueConstraint('user_id', 'technician_id', 'step',
                            name=op.f('uq_presences_user_id_technician_id_step')),
    )
    with op.batch_alter_table('presences', schema=None) as batch_op:
        batch_op.create_index('ix_presences_technician_scanned', ['technician_id', 'scanned_at'],
                              unique=False)
    # Every rating given before live badges existed had no presence: false, not unknown.
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('presence', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_column('presence')
    with op.batch_alter_table('presences', schema=None) as batch_op:
        batch_op.drop_index('ix_presences_technician_scanned')
    op.drop_table('presences')
