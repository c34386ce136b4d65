"""A case file whose working copy is gone by the time the CyberTipline report is sent (deleted
by hand, a lost disk, a report filed by hand after the case's media was cleaned up) is uploaded
from the evidence vault's encrypted copy, and that reading of the evidence is audited: the
report is not held back for want of a file Takedown still has."""

from __future__ import annotations

from sqlalchemy import select

from takedown.audit.models import AuditEntry
from takedown.cases.models import CaseMedia
from takedown.evidence.service import preserve
from takedown.ncmec.scheduled import file_due_reports
from takedown.store.db import session_scope
from tests.ncmec_factories import decided_case, ncmec_settings, sandbox


def test_a_copy_gone_from_working_storage_is_uploaded_from_the_evidence_vault(settings):
    with sandbox() as server:
        settings = ncmec_settings(settings, server)
        case = decided_case(settings, files=2)
        with session_scope(settings.resolved_database_url) as db_session:
            media = db_session.scalars(
                select(CaseMedia).where(CaseMedia.case_id == case.case_id).order_by(CaseMedia.id)
            ).all()
            paths = [settings.media_dir / m.storage_path for m in media]
            pairs = list(zip(media, paths, strict=True))
            preserve(
                db_session=db_session,
                settings=settings,
                case_id=case.case_id,
                decision_id=case.decision_id,
                media=[(m.filename, "image/jpeg", path.read_bytes()) for m, path in pairs],
                context={"case": case.case_id},
            )
        paths[0].unlink()

        assert file_due_reports(settings) == {case.filing_id: "finished"}
        (report,) = server.state.reports.values()
        assert sorted(f.md5 for f in report.files.values()) == sorted(case.media_md5s)
        assert all(f.details_xml for f in report.files.values())
        with session_scope(settings.resolved_database_url) as db_session:
            reads = db_session.scalars(
                select(AuditEntry).where(
                    AuditEntry.subject == case.case_id, AuditEntry.action == "evidence.accessed"
                )
            ).all()
            assert len(reads) == 1
