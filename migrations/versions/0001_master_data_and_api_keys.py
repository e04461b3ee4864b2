"""Master data (technicians, accounts, work orders, callbacks, complaints) and API keys.

Times are timestamptz on PostgreSQL and UTC text on SQLite (see app.db.UTCDateTime).

Revision ID: 0001
Revises:
Create Date: 2026-11-24 02:00:10.934694

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('admin', 'integration', 'auditor', 'manager')", name=op.f('ck_api_keys_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash'))
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_keys_prefix'), ['prefix'], unique=False)

    op.create_table('broadband_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_no', sa.String(length=32), nullable=False),
    sa.Column('holder_name', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('area', sa.String(length=64), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadband_accounts')),
    sa.UniqueConstraint('account_no', name=op.f('uq_broadband_accounts_account_no'))
    )
    op.create_table('technicians',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_no', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('team', sa.String(length=64), nullable=False),
    sa.Column('area', sa.String(length=64), nullable=False),
    sa.Column('vendor', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('active', 'suspended', 'left')", name=op.f('ck_technicians_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_technicians')),
    sa.UniqueConstraint('employee_no', name=op.f('uq_technicians_employee_no'))
    )
    with op.batch_alter_table('technicians', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_technicians_area'), ['area'], unique=False)
        batch_op.create_index(batch_op.f('ix_technicians_team'), ['team'], unique=False)

    op.create_table('work_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_no', sa.String(length=32), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('order_type', sa.String(length=16), nullable=False),
    sa.Column('product', sa.String(length=16), nullable=False),
    sa.Column('area', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("order_type IN ('install', 'move', 'repair')", name=op.f('ck_work_orders_order_type')),
    sa.CheckConstraint("product IN ('broadband', 'iptv', 'iptv_bundled', 'landline', 'campus')", name=op.f('ck_work_orders_product')),
    sa.CheckConstraint("status != 'completed' OR completed_at IS NOT NULL", name=op.f('ck_work_orders_completed_has_time')),
    sa.CheckConstraint("status IN ('open', 'completed', 'cancelled')", name=op.f('ck_work_orders_status')),
    sa.ForeignKeyConstraint(['account_id'], ['broadband_accounts.id'], name=op.f('fk_work_orders_account_id_broadband_accounts')),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_work_orders_technician_id_technicians')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_orders')),
    sa.UniqueConstraint('order_no', name=op.f('uq_work_orders_order_no'))
    )
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_orders_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_work_orders_completed_at', ['completed_at'], unique=False)
        batch_op.create_index('ix_work_orders_technician_completed', ['technician_id', 'completed_at'], unique=False)

    op.create_table('callback_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('result', sa.String(length=16), nullable=False),
    sa.Column('called_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("channel IN ('ivr', 'manual')", name=op.f('ck_callback_results_channel')),
    sa.CheckConstraint("result IN ('satisfied', 'dissatisfied', 'no_answer')", name=op.f('ck_callback_results_result')),
    sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'], name=op.f('fk_callback_results_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback_results')),
    sa.UniqueConstraint('order_id', 'channel', 'called_at', name=op.f('uq_callback_results_order_id_channel_called_at'))
    )
    with op.batch_alter_table('callback_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callback_results_order_id'), ['order_id'], unique=False)

    op.create_table('complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('natural_key', sa.String(length=120), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('complained_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('justified', sa.Boolean(), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("level IN ('local', 'escalated')", name=op.f('ck_complaints_level')),
    sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'], name=op.f('fk_complaints_order_id_work_orders')),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_complaints_technician_id_technicians')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
    sa.UniqueConstraint('natural_key', name=op.f('uq_complaints_natural_key'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_complaints_technician_complained', ['technician_id', 'complained_at'], unique=False)



def downgrade():
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_technician_complained')
        batch_op.drop_index(batch_op.f('ix_complaints_order_id'))

    op.drop_table('complaints')
    with op.batch_alter_table('callback_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callback_results_order_id'))

    op.drop_table('callback_results')
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_work_orders_technician_completed')
        batch_op.drop_index('ix_work_orders_completed_at')
        batch_op.drop_index(batch_op.f('ix_work_orders_account_id'))

    op.drop_table('work_orders')
    with op.batch_alter_table('technicians', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_technicians_team'))
        batch_op.drop_index(batch_op.f('ix_technicians_area'))

    op.drop_table('technicians')
    op.drop_table('broadband_accounts')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_keys_prefix'))

    op.drop_table('api_keys')
