"""Fraud review as cases: cases grouping flags, one offence per technician-month, suspensions.

- `fraud_cases`; flags get `case_id`, `offence_id` and a `version` bumped by every decision.
- `fraud_offences` (one finding per technician and month) replaces `sanctions` (one per flag):
  live sanctions become offences, numbered again by month — the old per-flag numbering turned
  one incident into several offences.
- `technician_suspensions` (待岗培训 with start and end dates); a second or later offence
  carried over is suspended from the day its first sanction was recorded.
- decisions may be `reversed` (a manager's undo) and name the case they were taken on.

Existing flags are put in one case per technician and month; the next scan regroups them by
shared evidence too.

On SQLite, the new foreign-key columns of `fraud_flags` are added in place (ALTER TABLE … ADD
COLUMN … REFERENCES): rebuilding the table, as batch mode would, fails while decisions and
appeals reference its rows. The downgrade has to rebuild it, and does so with the foreign keys
deferred and the rows inserted into a new table of the same name (which, unlike batch mode's
rename, satisfies the references again before the commit).

Revision ID: 0010
Revises: 0009
"""
import os
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

FLAG_FKS = (("case_id", "fraud_cases"), ("offence_id", "fraud_offences"))


def upgrade():
    op.create_table(
        'technician_suspensions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('technician_id', sa.Integer(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('planned_ends_on', sa.Date(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('changed_by', sa.String(length=100), nullable=True),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('change_note', sa.Text(), nullable=True),
        sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_technician_suspensions_dates')),
        sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'],
                                name=op.f('fk_technician_suspensions_technician_id_technicians')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_technician_suspensions')),
    )
    op.create_index('ix_technician_suspensions_technician_ends', 'technician_suspensions',
                    ['technician_id', 'ends_on'], unique=False)

    op.create_table(
        'fraud_cases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('flag_count', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=True),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by', sa.String(length=100), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'confirmed', 'dismissed')",
                           name=op.f('ck_fraud_cases_status')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fraud_cases')),
    )
    op.create_index('ix_fraud_cases_status_score', 'fraud_cases', ['status', 'score'])
    op.create_index(op.f('ix_fraud_cases_month'), 'fraud_cases', ['month'])

    op.create_table(
        'fraud_offences',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('technician_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('offence_no', sa.Integer(), nullable=False),
        sa.Column('fine', sa.Integer(), nullable=False),
        sa.Column('suspension', sa.Boolean(), nullable=False),
        sa.Column('suspension_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('fine >= 0', name=op.f('ck_fraud_offences_fine')),
        sa.CheckConstraint('offence_no >= 1', name=op.f('ck_fraud_offences_offence_no')),
        sa.ForeignKeyConstraint(['suspension_id'], ['technician_suspensions.id'],
                                name=op.f('fk_fraud_offences_suspension_id_technician_suspensions')),
        sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'],
                                name=op.f('fk_fraud_offences_technician_id_technicians')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fraud_offences')),
        sa.UniqueConstraint('technician_id', 'month',
                            name=op.f('uq_fraud_offences_technician_id_month')),
    )

    sqlite = op.get_bind().dialect.name == 'sqlite'
    op.add_column('fraud_flags', sa.Column('version', sa.Integer(), server_default='1',
                                           nullable=False))
    for column, table in FLAG_FKS:
        name = f'fk_fraud_flags_{column}_{table}'
        if sqlite:
            op.execute(f'ALTER TABLE fraud_flags ADD COLUMN {column} INTEGER '
                       f'CONSTRAINT {name} REFERENCES {table} (id)')
        else:
            op.add_column('fraud_flags', sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(name, 'fraud_flags', table, [column], ['id'])
        op.create_index(f'ix_fraud_flags_{column}', 'fraud_flags', [column])

    # Nothing references fraud_decisions: batch mode may rebuild it on SQLite.
    with op.batch_alter_table('fraud_decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_fraud_decisions_case_id_fraud_cases'),
                                    'fraud_cases', ['case_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_fraud_decisions_case_id'), ['case_id'])
        batch_op.drop_constraint(op.f('ck_fraud_decisions_decision'), type_='check')
        batch_op.create_check_constraint(
            'decision', "decision IN ('confirmed', 'dismissed', 'reopened', 'reversed')")

    _carry_over(op.get_bind())

    with op.batch_alter_table('sanctions', schema=None) as batch_op:
        batch_op.drop_index('ix_sanctions_technician_month')
    op.drop_table('sanctions')


# --- Data ----------------------------------------------------------------------------------------

flags = sa.table('fraud_flags', sa.column('id', sa.Integer), sa.column('technician_id', sa.Integer),
                 sa.column('month', sa.String), sa.column('score', sa.Float),
                 sa.column('status', sa.String), sa.column('case_id', sa.Integer),
                 sa.column('offence_id', sa.Integer))
cases = sa.table('fraud_cases', sa.column('id', sa.Integer), sa.column('status', sa.String),
                 sa.column('score', sa.Float), sa.column('flag_count', sa.Integer),
                 sa.column('month', sa.String), sa.column('version', sa.Integer),
                 sa.column('created_at', sa.DateTime(timezone=True)),
                 sa.column('updated_at', sa.DateTime(timezone=True)))
sanctions = sa.table('sanctions', sa.column('id', sa.Integer), sa.column('flag_id', sa.Integer),
                     sa.column('technician_id', sa.Integer), sa.column('month', sa.String),
                     sa.column('offence_no', sa.Integer), sa.column('fine', sa.Integer),
                     sa.column('suspension', sa.Boolean),
                     sa.column('created_at', sa.DateTime(timezone=True)),
                     sa.column('revoked_at', sa.DateTime(timezone=True)))
offences = sa.table('fraud_offences', sa.column('id', sa.Integer),
                    sa.column('technician_id', sa.Integer), sa.column('month', sa.String),
                    sa.column('offence_no', sa.Integer), sa.column('fine', sa.Integer),
                    sa.column('suspension', sa.Boolean), sa.column('suspension_id', sa.Integer),
                    sa.column('created_at', sa.DateTime(timezone=True)),
                    sa.column('updated_at', sa.DateTime(timezone=True)),
                    sa.column('revoked_at', sa.DateTime(timezone=True)))
suspensions = sa.table('technician_suspensions', sa.column('id', sa.Integer),
                       sa.column('technician_id', sa.Integer), sa.column('starts_on', sa.Date),
                       sa.column('ends_on', sa.Date), sa.column('planned_ends_on', sa.Date),
                       sa.column('reason', sa.Text), sa.column('created_by', sa.String),
                       sa.column('created_at', sa.DateTime(timezone=True)))


def _aware(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _carry_over(bind) -> None:
    now = datetime.now(timezone.utc)
    # Cases: one per technician and month, with the status its flags add up to.
    groups: dict[tuple, list] = {}
    for row in bind.execute(sa.select(flags.c.id, flags.c.technician_id, flags.c.month,
                                      flags.c.score, flags.c.status).order_by(flags.c.id)):
        groups.setdefault((row.technician_id, row.month), []).append(row)
    for members in groups.values():
        statuses = {m.status for m in members}
        status = ("open" if "open" in statuses else
                  "confirmed" if "confirmed" in statuses else "dismissed")
        case_id = bind.execute(sa.insert(cases).values(
            status=status, score=max(m.score for m in members), flag_count=len(members),
            month=members[0].month, version=1, created_at=now, updated_at=now)
            .returning(cases.c.id)).scalar_one()
        bind.execute(sa.update(flags).where(flags.c.id.in_([m.id for m in members]))
                     .values(case_id=case_id))

    # Offences: the live sanctions of a technician and month are one finding.
    first_fine = int(os.environ.get("FRAUD_FINE_FIRST", 5000))
    repeat_fine = int(os.environ.get("FRAUD_FINE_REPEAT", 1000))
    days = int(os.environ.get("FRAUD_SUSPENSION_DAYS", 30))
    zone = ZoneInfo(os.environ.get("TIMEZONE", "Asia/Shanghai"))
    live: dict[int, dict[str, list]] = {}
    for row in bind.execute(sa.select(sanctions).where(sanctions.c.revoked_at.is_(None))):
        live.setdefault(row.technician_id, {}).setdefault(row.month, []).append(row)
    for technician_id, months in live.items():
        for number, month in enumerate(sorted(months), start=1):
            rows = months[month]
            since = min(_aware(r.created_at) for r in rows)
            suspension_id = None
            if number > 1:
                first = since.astimezone(zone).date()
                suspension_id = bind.execute(sa.insert(suspensions).values(
                    technician_id=technician_id, starts_on=first,
                    ends_on=first + timedelta(days=days - 1),
                    planned_ends_on=first + timedelta(days=days - 1),
                    reason=f"第 {number} 次违规（{month} 虚假评价）：待岗培训 {days} 天",
                    created_by="migration 0010", created_at=now)
                    .returning(suspensions.c.id)).scalar_one()
            offence_id = bind.execute(sa.insert(offences).values(
                technician_id=technician_id, month=month, offence_no=number,
                fine=first_fine if number == 1 else repeat_fine, suspension=number > 1,
                suspension_id=suspension_id, created_at=since, updated_at=now)
                .returning(offences.c.id)).scalar_one()
            bind.execute(sa.update(flags).where(flags.c.id.in_([r.flag_id for r in rows]))
                         .values(offence_id=offence_id))


FLAGS_0009 = ('id', 'rating_id', 'order_id', 'technician_id', 'score', 'reasons', 'status',
              'created_at', 'updated_at', 'decided_by', 'decided_at', 'note', 'month', 'detectors')


def _rebuild_flags_on_sqlite() -> None:
    """`fraud_flags` as migrations 0005 and 0007 left it, rows kept."""
    columns = ", ".join(FLAGS_0009)
    op.execute('PRAGMA defer_foreign_keys = ON')
    op.execute(f'CREATE TABLE _h14_fraud_flags AS SELECT {columns} FROM fraud_flags')
    op.drop_table('fraud_flags')
    op.create_table(
        'fraud_flags',
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
        sa.Column('month', sa.String(length=7), nullable=True),
        sa.Column('detectors', sa.String(length=400), server_default='', nullable=False),
        sa.CheckConstraint("status IN ('open', 'confirmed', 'dismissed')",
                           name=op.f('ck_fraud_flags_status')),
        sa.CheckConstraint('score >= 0 AND score <= 1', name=op.f('ck_fraud_flags_score')),
        sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'],
                                name=op.f('fk_fraud_flags_order_id_work_orders')),
        sa.ForeignKeyConstraint(['rating_id'], ['ratings.id'],
                                name=op.f('fk_fraud_flags_rating_id_ratings')),
        sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'],
                                name=op.f('fk_fraud_flags_technician_id_technicians')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fraud_flags')),
        sa.UniqueConstraint('rating_id', name=op.f('uq_fraud_flags_rating_id')),
    )
    op.execute(f'INSERT INTO fraud_flags ({columns}) SELECT {columns} FROM _h14_fraud_flags')
    op.drop_table('_h14_fraud_flags')
    op.create_index(op.f('ix_fraud_flags_order_id'), 'fraud_flags', ['order_id'])
    op.create_index('ix_fraud_flags_status_score', 'fraud_flags', ['status', 'score'])
    op.create_index(op.f('ix_fraud_flags_technician_id'), 'fraud_flags', ['technician_id'])
    op.create_index(op.f('ix_fraud_flags_month'), 'fraud_flags', ['month'])


def downgrade():
    op.create_table(
        'sanctions',
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
        sa.ForeignKeyConstraint(['flag_id'], ['fraud_flags.id'],
                                name=op.f('fk_sanctions_flag_id_fraud_flags')),
        sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'],
                                name=op.f('fk_sanctions_technician_id_technicians')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sanctions')),
        sa.UniqueConstraint('flag_id', name=op.f('uq_sanctions_flag_id')),
    )
    op.create_index('ix_sanctions_technician_month', 'sanctions', ['technician_id', 'month'])
    # Each confirmed flag of a live offence becomes a sanction with the offence's terms.
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(flags.c.id, offences.c.technician_id, offences.c.month, offences.c.offence_no,
                  offences.c.fine, offences.c.suspension, offences.c.created_at)
        .join(offences, offences.c.id == flags.c.offence_id)
        .where(offences.c.revoked_at.is_(None))).all()
    if rows:
        bind.execute(sa.insert(sanctions), [
            {"flag_id": r.id, "technician_id": r.technician_id, "month": r.month,
             "offence_no": r.offence_no, "fine": r.fine, "suspension": r.suspension,
             "created_at": _aware(r.created_at), "revoked_at": None} for r in rows])

    with op.batch_alter_table('fraud_decisions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_fraud_decisions_decision'), type_='check')
        batch_op.create_check_constraint(
            'decision', "decision IN ('confirmed', 'dismissed', 'reopened')")
        batch_op.drop_index(batch_op.f('ix_fraud_decisions_case_id'))
        batch_op.drop_constraint(batch_op.f('fk_fraud_decisions_case_id_fraud_cases'),
                                 type_='foreignkey')
        batch_op.drop_column('case_id')

    if bind.dialect.name == 'sqlite':
        _rebuild_flags_on_sqlite()
    else:
        for column, table in reversed(FLAG_FKS):
            op.drop_index(f'ix_fraud_flags_{column}', table_name='fraud_flags')
            op.drop_constraint(f'fk_fraud_flags_{column}_{table}', 'fraud_flags',
                               type_='foreignkey')
            op.drop_column('fraud_flags', column)
        op.drop_column('fraud_flags', 'version')

    op.drop_table('fraud_offences')
    op.drop_index(op.f('ix_fraud_cases_month'), table_name='fraud_cases')
    op.drop_index('ix_fraud_cases_status_score', table_name='fraud_cases')
    op.drop_table('fraud_cases')
    op.drop_index('ix_technician_suspensions_technician_ends',
                  table_name='technician_suspensions')
    op.drop_table('technician_suspensions')
