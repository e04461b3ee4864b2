"""Reports: closed months as versions, with each technician's line and each order's pay line.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_month_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('tariff_version', sa.String(length=80), nullable=False),
    sa.Column('tariff', sa.JSON(), nullable=False),
    sa.Column('totals', sa.JSON(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reopened_by', sa.String(length=100), nullable=True),
    sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopen_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('version >= 1', name=op.f('ck_report_month_versions_version')),
    sa.CheckConstraint("kind IN ('close', 'recompute')", name=op.f('ck_report_month_versions_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_month_versions')),
    sa.UniqueConstraint('month', 'version', name=op.f('uq_report_month_versions_month_version'))
    )

    op.create_table('report_month_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('employee_no', sa.String(length=32), nullable=False),
    sa.Column('install_pay_fen', sa.Integer(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_report_month_rows_technician_id_technicians')),
    sa.ForeignKeyConstraint(['version_id'], ['report_month_versions.id'], name=op.f('fk_report_month_rows_version_id_report_month_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_month_rows')),
    sa.UniqueConstraint('version_id', 'technician_id', name=op.f('uq_report_month_rows_version_id_technician_id'))
    )
    with op.batch_alter_table('report_month_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_month_rows_technician_id'), ['technician_id'], unique=False)

    op.create_table('report_ledger_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('order_no', sa.String(length=32), nullable=False),
    sa.Column('order_type', sa.String(length=16), nullable=False),
    sa.Column('product', sa.String(length=16), nullable=False),
    sa.Column('area', sa.String(length=64), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('rating_id', sa.Integer(), nullable=True),
    sa.Column('pay_rule', sa.String(length=16), nullable=False),
    sa.Column('priced_star', sa.Integer(), nullable=True),
    sa.Column('unit_price_fen', sa.Integer(), nullable=False),
    sa.Column('coefficient', sa.String(length=16), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.CheckConstraint('stars BETWEEN 1 AND 5', name=op.f('ck_report_ledger_lines_stars')),
    sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'], name=op.f('fk_report_ledger_lines_order_id_work_orders')),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_report_ledger_lines_technician_id_technicians')),
    sa.ForeignKeyConstraint(['version_id'], ['report_month_versions.id'], name=op.f('fk_report_ledger_lines_version_id_report_month_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_ledger_lines'))
    )
    with op.batch_alter_table('report_ledger_lines', schema=None) as batch_op:
        batch_op.create_index('ix_report_ledger_lines_version_technician', ['version_id', 'technician_id'], unique=False)


def downgrade():
    with op.batch_alter_table('report_ledger_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_report_ledger_lines_version_technician')
    op.drop_table('report_ledger_lines')
    with op.batch_alter_table('report_month_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_month_rows_technician_id'))
    op.drop_table('report_month_rows')
    op.drop_table('report_month_versions')
