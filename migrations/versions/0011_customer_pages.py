"""Customer pages: follow-up comments (追评) on ratings, technician photos.

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rating_follow_ups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rating_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('client_ip', sa.String(length=45), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['rating_id'], ['ratings.id'], ondelete='CASCADE',
                                name=op.f('fk_rating_follow_ups_rating_id_ratings')),
        sa.ForeignKeyConstraint(['user_id'], ['wechat_users.id'],
                                name=op.f('fk_rating_follow_ups_user_id_wechat_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_follow_ups')),
        sa.UniqueConstraint('rating_id', name=op.f('uq_rating_follow_ups_rating_id')),
    )
    op.create_table(
        'technician_photos',
        sa.Column('technician_id', sa.Integer(), nullable=False),
        sa.Column('etag', sa.String(length=64), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('uploaded_by', sa.String(length=100), nullable=True),
        sa.CheckConstraint('width > 0 AND height > 0', name=op.f('ck_technician_photos_size')),
        sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], ondelete='CASCADE',
                                name=op.f('fk_technician_photos_technician_id_technicians')),
        sa.PrimaryKeyConstraint('technician_id', name=op.f('pk_technician_photos')),
    )
    op.create_index(op.f('ix_technician_photos_etag'), 'technician_photos', ['etag'])


def downgrade():
    op.drop_index(op.f('ix_technician_photos_etag'), table_name='technician_photos')
    op.drop_table('technician_photos')
    op.drop_table('rating_follow_ups')
