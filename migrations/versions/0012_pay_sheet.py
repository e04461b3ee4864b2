"""The whole pay sheet: urges, penalties, commissions, assessment items, repair deadlines and
fault causes on orders; closed months keep every pay line; the monthly bulletin outbox.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 16:26:14

"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assessment_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('item', sa.String(length=64), nullable=False),
    sa.Column('points_centi', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_assessment_items_technician_id_technicians')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_items')),
    sa.UniqueConstraint('technician_id', 'month', 'item', name=op.f('uq_assessment_items_technician_id_month_item'))
    )
    with op.batch_alter_table('assessment_items', schema=None) as batch_op:
        batch_op.create_index('ix_assessment_items_month', ['month'], unique=False)

    op.create_table('commissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_commissions_technician_id_technicians')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commissions')),
    sa.UniqueConstraint('technician_id', 'month', 'note', name=op.f('uq_commissions_technician_id_month_note'))
    )
    with op.batch_alter_table('commissions', schema=None) as batch_op:
        batch_op.create_index('ix_commissions_month', ['month'], unique=False)

    op.create_table('report_bulletins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'no_recipient')", name=op.f('ck_report_bulletins_status')),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_report_bulletins_technician_id_technicians')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_bulletins')),
    sa.UniqueConstraint('technician_id', 'month', 'version', name=op.f('uq_report_bulletins_technician_id_month_version'))
    )
    with op.batch_alter_table('report_bulletins', schema=None) as batch_op:
        batch_op.create_index('ix_report_bulletins_status', ['status'], unique=False)

    op.create_table('penalties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('natural_key', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('amount_fen', sa.Integer(), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind != 'false_closure' OR order_id IS NOT NULL", name=op.f('ck_penalties_false_closure_has_order')),
    sa.CheckConstraint("kind = 'false_closure' OR (amount_fen IS NOT NULL AND occurred_at IS NOT NULL)", name=op.f('ck_penalties_fine_has_amount_and_time')),
    sa.CheckConstraint("kind IN ('false_closure', 'complaint', 'other')", name=op.f('ck_penalties_kind')),
    sa.CheckConstraint('amount_fen IS NULL OR amount_fen >= 0', name=op.f('ck_penalties_amount')),
    sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'], name=op.f('fk_penalties_order_id_work_orders')),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_penalties_technician_id_technicians')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_penalties')),
    sa.UniqueConstraint('natural_key', name=op.f('uq_penalties_natural_key'))
    )
    with op.batch_alter_table('penalties', schema=None) as batch_op:
        batch_op.create_index('ix_penalties_occurred_at', ['occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_penalties_order_id'), ['order_id'], unique=False)

    op.create_table('urges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('urged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cause', sa.String(length=16), nullable=False),
    sa.Column('appointment_recorded', sa.Boolean(), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("cause IN ('procedure', 'overdue', 'excused')", name=op.f('ck_urges_cause')),
    sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'], name=op.f('fk_urges_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_urges')),
    sa.UniqueConstraint('order_id', 'urged_at', name=op.f('uq_urges_order_id_urged_at'))
    )
    with op.batch_alter_table('report_ledger_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('component', sa.String(length=16), server_default='install', nullable=False))
        batch_op.add_column(sa.Column('quantity', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('score', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('detail', sa.JSON(), nullable=True))
        batch_op.alter_column('order_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.alter_column('order_no',
               existing_type=sa.VARCHAR(length=32),
               nullable=True)
        batch_op.alter_column('order_type',
               existing_type=sa.VARCHAR(length=16),
               nullable=True)
        batch_op.alter_column('product',
               existing_type=sa.VARCHAR(length=16),
               nullable=True)
        batch_op.alter_column('area',
               existing_type=sa.VARCHAR(length=64),
               nullable=True)
        batch_op.alter_column('completed_at',
               existing_type=sa.DateTime(timezone=True),
               nullable=True)
        batch_op.alter_column('stars',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.alter_column('source',
               existing_type=sa.VARCHAR(length=16),
               nullable=True)
        batch_op.alter_column('unit_price_fen',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.alter_column('coefficient',
               existing_type=sa.VARCHAR(length=16),
               nullable=True)
        batch_op.create_check_constraint('component', sa.text(
            "component IN ('install', 'maintenance', 'commission', 'quarterly_bonus', 'overdue', "
            "'urge', 'false_closure', 'fraud', 'complaint', 'other')"))

    with op.batch_alter_table('report_month_rows', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pay', sa.JSON(), nullable=True))
        batch_op.alter_column('figures',
               existing_type=sa.JSON(),
               nullable=True)

    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('fault_cause', sa.String(length=16), nullable=True))
        batch_op.create_check_constraint(
            'fault_cause', sa.text("fault_cause IS NULL OR fault_cause IN ('olt', 'cable')"))



def downgrade():
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_constraint('fault_cause', type_='check')
        batch_op.drop_column('fault_cause')
        batch_op.drop_column('due_at')

    # Lines the older schema cannot hold: pay-only technicians and the non-install pay lines.
    op.execute("DELETE FROM report_month_rows WHERE figures IS NULL")
    op.execute("DELETE FROM report_ledger_lines WHERE component != 'install'")
    with op.batch_alter_table('report_month_rows', schema=None) as batch_op:
        batch_op.alter_column('figures',
               existing_type=sa.JSON(),
               nullable=False)
        batch_op.drop_column('pay')

    with op.batch_alter_table('report_ledger_lines', schema=None) as batch_op:
        batch_op.drop_constraint('component', type_='check')
        batch_op.alter_column('coefficient',
               existing_type=sa.VARCHAR(length=16),
               nullable=False)
        batch_op.alter_column('unit_price_fen',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.alter_column('source',
               existing_type=sa.VARCHAR(length=16),
               nullable=False)
        batch_op.alter_column('stars',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.alter_column('completed_at',
               existing_type=sa.DateTime(timezone=True),
               nullable=False)
        batch_op.alter_column('area',
               existing_type=sa.VARCHAR(length=64),
               nullable=False)
        batch_op.alter_column('product',
               existing_type=sa.VARCHAR(length=16),
               nullable=False)
        batch_op.alter_column('order_type',
               existing_type=sa.VARCHAR(length=16),
               nullable=False)
        batch_op.alter_column('order_no',
               existing_type=sa.VARCHAR(length=32),
               nullable=False)
        batch_op.alter_column('order_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('detail')
        batch_op.drop_column('score')
        batch_op.drop_column('quantity')
        batch_op.drop_column('component')

    op.drop_table('urges')
    with op.batch_alter_table('penalties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_penalties_order_id'))
        batch_op.drop_index('ix_penalties_occurred_at')

    op.drop_table('penalties')
    with op.batch_alter_table('report_bulletins', schema=None) as batch_op:
        batch_op.drop_index('ix_report_bulletins_status')

    op.drop_table('report_bulletins')
    with op.batch_alter_table('commissions', schema=None) as batch_op:
        batch_op.drop_index('ix_commissions_month')

    op.drop_table('commissions')
    with op.batch_alter_table('assessment_items', schema=None) as batch_op:
        batch_op.drop_index('ix_assessment_items_month')

    op.drop_table('assessment_items')
