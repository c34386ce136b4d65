"""Evidence packages (one per preserved case) and their encrypted files."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from takedown.store.base import Base


class FileKind(enum.StrEnum):
    MEDIA = "media"
    CONTEXT = "context"  # the case, its reports and decisions as JSON


class EvidencePackage(Base):
    __tablename__ = "evidence_packages"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # "evd_..."
    case_id: Mapped[str] = mapped_column(String(40), unique=True)
    decision_id: Mapped[str | None] = mapped_column(String(40))
    preserved_at: Mapped[datetime]
    # 18 U.S.C. 2258A(h) as amended by the REPORT Act: one year from the CyberTipline report.
    # Until the report is filed, counted from preservation (the earlier, safer start is later
    # moved forward by mark_reported).
    ncmec_reported_at: Mapped[datetime | None]
    retain_until: Mapped[datetime] = mapped_column(index=True)
    legal_hold: Mapped[bool] = mapped_column(default=False)
    legal_hold_reason: Mapped[str | None] = mapped_column(Text)
    legal_hold_by: Mapped[str | None] = mapped_column(String(200))
    purged_at: Mapped[datetime | None]


class EvidenceFile(Base):
    __tablename__ = "evidence_files"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # "evf_..."
    package_id: Mapped[str] = mapped_column(ForeignKey("evidence_packages.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))  # of the plaintext, for integrity checks
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    storage_path: Mapped[str] = mapped_column(Text)  # relative to data_dir/evidence


class MediaCleanup(Base):
    """A closed case's working copies of media in settings.media_dir: due for deletion from when
    the case closed (`due_at`, the queue the cleanup job reads), then deleted (`cleaned_at`)."""

    __tablename__ = "case_media_cleanups"

    case_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    due_at: Mapped[datetime | None] = mapped_column(index=True)  # empty when nothing is due
    cleaned_at: Mapped[datetime | None]
    files_deleted: Mapped[int] = mapped_column(default=0)
