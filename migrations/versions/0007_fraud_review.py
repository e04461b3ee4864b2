"""Fraud review: flag month and detector list, technician sightings, callback samples, appeals.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25

"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('fraud_flags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('month', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('detectors', sa.String(length=400), server_default='',
                                      nullable=False))
        batch_op.create_index(batch_op.f('ix_fraud_flags_month'), ['month'], unique=False)

    op.create_table('technician_sightings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('client_ip', sa.String(length=45), nullable=False),
    sa.Column('user_agent', sa.String(length=400), nullable=True),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_technician_sightings_technician_id_technicians')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_technician_sightings')),
    sa.UniqueConstraint('technician_id', 'client_ip', name=op.f('uq_technician_sightings_technician_id_client_ip'))
    )
    with op.batch_alter_table('technician_sightings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_technician_sightings_client_ip'), ['client_ip'], unique=False)

    op.create_table('fraud_samples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('populations', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fraud_samples'))
    )
    with op.batch_alter_table('fraud_samples', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fraud_samples_month'), ['month'], unique=False)

    op.create_table('fraud_sample_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('rating_id', sa.Integer(), nullable=False),
    sa.Column('stratum', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('detectors', sa.JSON(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('called_by', sa.String(length=100), nullable=True),
    sa.Column('called_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('customer_confirmed', 'customer_denied', 'unreachable')", name=op.f('ck_fraud_sample_items_outcome')),
    sa.ForeignKeyConstraint(['rating_id'], ['ratings.id'], name=op.f('fk_fraud_sample_items_rating_id_ratings')),
    sa.ForeignKeyConstraint(['sample_id'], ['fraud_samples.id'], name=op.f('fk_fraud_sample_items_sample_id_fraud_samples')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fraud_sample_items')),
    sa.UniqueConstraint('sample_id', 'rating_id', name=op.f('uq_fraud_sample_items_sample_id_rating_id'))
    )
    with op.batch_alter_table('fraud_sample_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fraud_sample_items_rating_id'), ['rating_id'], unique=False)

    op.create_table('fraud_appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('flag_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('filed_by', sa.String(length=100), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('resolved_by', sa.String(length=100), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'upheld', 'rejected')", name=op.f('ck_fraud_appeals_status')),
    sa.ForeignKeyConstraint(['flag_id'], ['fraud_flags.id'], name=op.f('fk_fraud_appeals_flag_id_fraud_flags')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fraud_appeals'))
    )
    with op.batch_alter_table('fraud_appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fraud_appeals_flag_id'), ['flag_id'], unique=False)


def downgrade():
    with op.batch_alter_table('fraud_appeals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fraud_appeals_flag_id'))
    op.drop_table('fraud_appeals')
    with op.batch_alter_table('fraud_sample_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fraud_sample_items_rating_id'))
    op.drop_table('fraud_sample_items')
    with op.batch_alter_table('fraud_samples', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fraud_samples_month'))
    op.drop_table('fraud_samples')
    with op.batch_alter_table('technician_sightings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_technician_sightings_client_ip'))
    op.drop_table('technician_sightings')
    with op.batch_alter_table('fraud_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fraud_flags_month'))
        batch_op.drop_column('detectors')
        batch_op.drop_column('month')
