"""WeChat identity: users and openids, technician and account bindings, SMS codes, rate-limit hits,
the shared access token and handled push events.

Times are timestamptz on PostgreSQL and UTC text on SQLite (see app.db.UTCDateTime).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 02:03:59.949409

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rate_limit_hits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bucket', sa.String(length=160), nullable=False),
    sa.Column('hit_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_limit_hits'))
    )
    with op.batch_alter_table('rate_limit_hits', schema=None) as batch_op:
        batch_op.create_index('ix_rate_limit_hits_bucket_hit_at', ['bucket', 'hit_at'], unique=False)

    op.create_table('wechat_access_tokens',
    sa.Column('appid', sa.String(length=64), nullable=False),
    sa.Column('access_token', sa.String(length=512), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refresh_lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('appid', name=op.f('pk_wechat_access_tokens'))
    )
    op.create_table('wechat_push_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedup_key', sa.String(length=160), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_push_events')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_wechat_push_events_dedup_key'))
    )
    op.create_table('wechat_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unionid', sa.String(length=64), nullable=True),
    sa.Column('token_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_users')),
    sa.UniqueConstraint('unionid', name=op.f('uq_wechat_users_unionid'))
    )
    op.create_table('account_bindings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("method IN ('phone_code', 'sms')", name=op.f('ck_account_bindings_method')),
    sa.ForeignKeyConstraint(['account_id'], ['broadband_accounts.id'], name=op.f('fk_account_bindings_account_id_broadband_accounts')),
    sa.ForeignKeyConstraint(['user_id'], ['wechat_users.id'], name=op.f('fk_account_bindings_user_id_wechat_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_bindings')),
    sa.UniqueConstraint('user_id', 'account_id', name=op.f('uq_account_bindings_user_id_account_id'))
    )
    with op.batch_alter_table('account_bindings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_bindings_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_bindings_user_id'), ['user_id'], unique=False)

    op.create_table('sms_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['broadband_accounts.id'], name=op.f('fk_sms_codes_account_id_broadband_accounts')),
    sa.ForeignKeyConstraint(['user_id'], ['wechat_users.id'], name=op.f('fk_sms_codes_user_id_wechat_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_codes'))
    )
    with op.batch_alter_table('sms_codes', schema=None) as batch_op:
        batch_op.create_index('ix_sms_codes_account_user', ['account_id', 'user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_codes_user_id'), ['user_id'], unique=False)

    op.create_table('technician_bindings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_technician_bindings_technician_id_technicians')),
    sa.ForeignKeyConstraint(['user_id'], ['wechat_users.id'], name=op.f('fk_technician_bindings_user_id_wechat_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_technician_bindings')),
    sa.UniqueConstraint('user_id', name=op.f('uq_technician_bindings_user_id'))
    )
    with op.batch_alter_table('technician_bindings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_technician_bindings_technician_id'), ['technician_id'], unique=False)

    op.create_table('wechat_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('app', sa.String(length=8), nullable=False),
    sa.Column('appid', sa.String(length=64), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('session_key', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("app IN ('mp', 'oa')", name=op.f('ck_wechat_identities_app')),
    sa.ForeignKeyConstraint(['user_id'], ['wechat_users.id'], name=op.f('fk_wechat_identities_user_id_wechat_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_identities')),
    sa.UniqueConstraint('appid', 'openid', name=op.f('uq_wechat_identities_appid_openid'))
    )
    with op.batch_alter_table('wechat_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wechat_identities_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('wechat_identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wechat_identities_user_id'))

    op.drop_table('wechat_identities')
    with op.batch_alter_table('technician_bindings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_technician_bindings_technician_id'))

    op.drop_table('technician_bindings')
    with op.batch_alter_table('sms_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_codes_user_id'))
        batch_op.drop_index('ix_sms_codes_account_user')

    op.drop_table('sms_codes')
    with op.batch_alter_table('account_bindings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_bindings_user_id'))
        batch_op.drop_index(batch_op.f('ix_account_bindings_account_id'))

    op.drop_table('account_bindings')
    op.drop_table('wechat_users')
    op.drop_table('wechat_push_events')
    op.drop_table('wechat_access_tokens')
    with op.batch_alter_table('rate_limit_hits', schema=None) as batch_op:
        batch_op.drop_index('ix_rate_limit_hits_bucket_hit_at')

    op.drop_table('rate_limit_hits')
