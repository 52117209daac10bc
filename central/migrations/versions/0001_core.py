"""Core tables: shows, devices, enrollment codes, replay guard, device clocks, leads and their
versions and history, the notification queue and the CRM outbox.

Revision ID: 0001_core
Revises: 
Create Date: 2026-11-22 11:25:02.654940
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0001_core'
down_revision = None
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table('device_clocks',
    sa.Column('device_id', sa.String(length=40), nullable=False),
    sa.Column('boot_id', sa.String(length=100), nullable=False),
    sa.Column('boot_epoch', sa.Float(), nullable=False),
    sa.Column('observed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('device_id', 'boot_id')
    )
    op.create_table('lead_history',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('lead_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('changes_json', JSONType, nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_lead_history_lead_id', 'lead_history', ['lead_id'], unique=False)

    op.create_table('lead_versions',
    sa.Column('lead_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=40), nullable=True),
    sa.Column('record_json', JSONType, nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('lead_id', 'version')
    )
    op.create_table('leads',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('show_id', sa.String(length=100), nullable=False),
    sa.Column('device_id', sa.String(length=40), nullable=False),
    sa.Column('kiosk_id', sa.String(length=200), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('captured_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('captured_at_corrected', sa.DateTime(timezone=True), nullable=False),
    sa.Column('clock_method', sa.String(length=20), nullable=False),
    sa.Column('tag', sa.String(length=20), nullable=False),
    sa.Column('computed_tag', sa.String(length=20), nullable=True),
    sa.Column('override', sa.String(length=20), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('discarded', sa.Boolean(), nullable=False),
    sa.Column('discard_reason', sa.Text(), nullable=True),
    sa.Column('staff', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('first_name', sa.String(length=200), nullable=True),
    sa.Column('last_name', sa.String(length=200), nullable=True),
    sa.Column('company', sa.String(length=300), nullable=True),
    sa.Column('country', sa.String(length=100), nullable=True),
    sa.Column('follow_up', sa.String(length=300), nullable=True),
    sa.Column('product_interest', sa.String(length=300), nullable=True),
    sa.Column('record_json', JSONType, nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merged_into', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_leads_device_id', 'leads', ['device_id'], unique=False)
    op.create_index('ix_leads_email', 'leads', ['email'], unique=False)
    op.create_index('ix_leads_show_captured', 'leads', ['show_id', 'captured_at_corrected'], unique=False)
    op.create_index('ix_leads_show_tag', 'leads', ['show_id', 'tag'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('lead_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('recipient', sa.String(length=500), nullable=False),
    sa.Column('payload_json', JSONType, nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('lead_id', 'kind', 'recipient', name='uq_notifications_lead_kind_recipient')
    )
    op.create_index('ix_notifications_due', 'notifications', ['state', 'next_attempt_at'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('lead_id', sa.String(length=36), nullable=False),
    sa.Column('destination', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('payload_json', JSONType, nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('lead_id', 'destination', 'version', name='uq_outbox_lead_dest_version')
    )
    op.create_index('ix_outbox_due', 'outbox', ['state', 'next_attempt_at'], unique=False)

    op.create_table('seen_messages',
    sa.Column('device_id', sa.String(length=40), nullable=False),
    sa.Column('webhook_id', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('device_id', 'webhook_id')
    )
    op.create_index('ix_seen_messages_at', 'seen_messages', ['at'], unique=False)

    op.create_table('shows',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cost', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('config_json', JSONType, nullable=False),
    sa.Column('form_yaml', sa.Text(), nullable=False),
    sa.Column('badge_yaml', sa.Text(), nullable=True),
    sa.Column('roster_csv', sa.Text(), nullable=True),
    sa.Column('form_version', sa.String(length=100), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('devices',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('show_id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('signing_secret', sa.String(length=200), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_sync_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_ingest_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pending_json', JSONType, nullable=True),
    sa.Column('clock_json', JSONType, nullable=True),
    sa.Column('clock_offset_s', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['show_id'], ['shows.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index('ix_devices_show_id', 'devices', ['show_id'], unique=False)

    op.create_table('enrollment_codes',
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('show_id', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('device_id', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['show_id'], ['shows.id'], ),
    sa.PrimaryKeyConstraint('code_hash')
    )


def downgrade() -> None:
    op.drop_table('enrollment_codes')
    op.drop_index('ix_devices_show_id', table_name='devices')

    op.drop_table('devices')
    op.drop_table('shows')
    op.drop_index('ix_seen_messages_at', table_name='seen_messages')

    op.drop_table('seen_messages')
    op.drop_index('ix_outbox_due', table_name='outbox')

    op.drop_table('outbox')
    op.drop_index('ix_notifications_due', table_name='notifications')

    op.drop_table('notifications')
    op.drop_index('ix_leads_show_tag', table_name='leads')
    op.drop_index('ix_leads_show_captured', table_name='leads')
    op.drop_index('ix_leads_email', table_name='leads')
    op.drop_index('ix_leads_device_id', table_name='leads')

    op.drop_table('leads')
    op.drop_table('lead_versions')
    op.drop_index('ix_lead_history_lead_id', table_name='lead_history')

    op.drop_table('lead_history')
    op.drop_table('device_clocks')
