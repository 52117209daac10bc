"""Device keys for sealed personal data (issue 19): per enrolled kiosk, central's X25519 key pair
(kiosks seal personal data to its public key, central opens it at ingest) and the wrap key that
lets an enrolled, not revoked kiosk unlock its own private key.

A branch of its own off ``0001_core`` (it only needs ``devices``), so it never competes with the
review app's chain for a revision number.

Revision ID: 0001a_device_keys
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa

revision = "0001a_device_keys"
down_revision = "0001_core"
branch_labels = ("device_keys",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_keys",
        sa.Column("device_id", sa.String(40), nullable=False),
        sa.Column("central_public_key", sa.String(100), nullable=False),
        sa.Column("central_private_key", sa.String(100), nullable=False),
        sa.Column("wrap_key", sa.String(100), nullable=False),
        sa.Column("kiosk_public_key", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"]),
        sa.PrimaryKeyConstraint("device_id"),
    )


def downgrade() -> None:
    op.drop_table("device_keys")
