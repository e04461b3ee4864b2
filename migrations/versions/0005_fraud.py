"""Fraud review: flags on ratings, decisions (who, when, why) and sanctions.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 02:12:48.229786

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fraud_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rating_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'confirmed', 'dismissed')", name=op.f('ck_fraud_flags_status')),
    sa.CheckConstraint('score >= 0 AND score <= 1', name=op.f('ck_fraud_flags_score')),
    sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'], name=op.f('fk_fraud_flags_order_id_work_orders')),
    sa.ForeignKeyConstraint(['rating_id'], ['ratings.id'], name=op.f('fk_fraud_flags_rating_id_ratings')),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_fraud_flags_technician_id_technicians')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fraud_flags')),
    sa.UniqueConstraint('rating_id', name=op.f('uq_fraud_flags_rating_id'))
    )
    with op.batch_alter_table('fraud_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fraud_flags_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_fraud_flags_status_score', ['status', 'score'], unique=False)
        batch_op.create_index(batch_op.f('ix_fraud_flags_technician_id'), ['technician_id'], unique=False)

    op.create_table('fraud_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('flag_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("decision IN ('confirmed', 'dismissed', 'reopened')", name=op.f('ck_fraud_decisions_decision')),
    sa.ForeignKeyConstraint(['flag_id'], ['fraud_flags.id'], name=op.f('fk_fraud_decisions_flag_id_fraud_flags')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fraud_decisions'))
    )
    with op.batch_alter_table('fraud_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fraud_decisions_flag_id'), ['flag_id'], unique=False)

    op.create_table('sanctions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('flag_id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('offence_no', sa.Integer(), nullable=False),
    sa.Column('fine', sa.Integer(), nullable=False),
    sa.Column('suspension', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('offence_no >= 1', name=op.f('ck_sanctions_offence_no')),
    sa.ForeignKeyConstraint(['flag_id'], ['fraud_flags.id'], name=op.f('fk_sanctions_flag_id_fraud_flags')),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_sanctions_technician_id_technicians')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sanctions')),
    sa.UniqueConstraint('flag_id', name=op.f('uq_sanctions_flag_id'))
    )
    with op.batch_alter_table('sanctions', schema=None) as batch_op:
        batch_op.create_index('ix_sanctions_technician_month', ['technician_id', 'month'], unique=False)



def downgrade():
    with op.batch_alter_table('sanctions', schema=None) as batch_op:
        batch_op.drop_index('ix_sanctions_technician_month')

    op.drop_table('sanctions')
    with op.batch_alter_table('fraud_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fraud_decisions_flag_id'))

    op.drop_table('fraud_decisions')
    with op.batch_alter_table('fraud_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fraud_flags_technician_id'))
        batch_op.drop_index('ix_fraud_flags_status_score')
        batch_op.drop_index(batch_op.f('ix_fraud_flags_order_id'))

    op.drop_table('fraud_flags')
