"""E-badges (电子工牌): badge state per technician and the images rendered for it.

Times are timestamptz on PostgreSQL and UTC text on SQLite (see app.db.UTCDateTime). Image bytes
are `bytea` on PostgreSQL and BLOB on SQLite.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-24 02:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('badges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rotated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=200), nullable=True),
    sa.CheckConstraint('version >= 1', name=op.f('ck_badges_version_positive')),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_badges_technician_id_technicians')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_badges')),
    sa.UniqueConstraint('technician_id', name=op.f('uq_badges_technician_id'))
    )
    op.create_table('badge_images',
    sa.Column('badge_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('source_key', sa.String(length=64), nullable=False),
    sa.Column('etag', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('rendered_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('qr_png', 'qr_svg', 'card_png', 'wxacode')", name=op.f('ck_badge_images_kind')),
    sa.ForeignKeyConstraint(['badge_id'], ['badges.id'], name=op.f('fk_badge_images_badge_id_badges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('badge_id', 'kind', name=op.f('pk_badge_images'))
    )


def downgrade():
    op.drop_table('badge_images')
    op.drop_table('badges')
