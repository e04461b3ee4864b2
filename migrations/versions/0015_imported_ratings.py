"""Historical ratings brought in by the `ratings` import carry channel `imported`.

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

OLD = "channel IN ('miniprogram', 'h5', 'sms_link')"
NEW = "channel IN ('miniprogram', 'h5', 'sms_link', 'imported')"


def upgrade():
    # batch mode: SQLite rebuilds the table to change a check constraint; PostgreSQL alters it.
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ratings_channel'), type_='check')
        batch_op.create_check_constraint('channel', NEW)


def downgrade():
    # Imported ratings do not fit the old rule, and flags, cases and reports may point at them:
    # refuse rather than delete history behind an operator's back.
    imported = op.get_bind().execute(
        sa.text("SELECT count(*) FROM ratings WHERE channel = 'imported'")).scalar()
    if imported:
        raise RuntimeError(f"{imported} imported ratings exist; remove them before downgrading")
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ratings_channel'), type_='check')
        batch_op.create_check_constraint('channel', OLD)
