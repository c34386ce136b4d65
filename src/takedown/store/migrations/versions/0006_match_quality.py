"""extra signals for altered copies: no schema change

Revision ID: 0006_match_quality
Revises: 0005_ncmec

The region and video-region signal types (pdq_norm, pdq_center, pdq_band, vpdq_*) are stored in
the existing bank_entries.signal_type / content_signals.signal_type columns, and their per-bank
thresholds in banks.signal_thresholds, so this revision only marks the point in the chain.
"""

revision = "0006_match_quality"
down_revision = "0005_ncmec"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
