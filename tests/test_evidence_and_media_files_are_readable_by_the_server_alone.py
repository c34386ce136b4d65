"""Rule: evidence and media files are readable by the server alone.

Reported media (possibly abuse material) and the vault's encrypted files are written mode 0600,
as the key files are: another account on the host cannot copy them."""

from __future__ import annotations

import base64
import secrets
import stat

from fastapi.testclient import TestClient
from pydantic import SecretStr

from takedown.api.app import create_app
from tests.enforcement_support import decide_violating, report_with_media
from tests.media import generated_scene, jpeg


def test_evidence_and_media_files_are_readable_by_the_server_alone(settings):  # type: ignore[no-untyped-def]
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    settings = settings.model_copy(update={"evidence_key": SecretStr(key)})
    with TestClient(create_app(settings)) as client:
        filed = report_with_media(
            client, jpeg(generated_scene(95)), content_id="p-95", account_id="a-95"
        )
        decide_violating(client, settings, filed["case_id"], classification="A1")
    written = [
        path
        for folder in (settings.data_dir / "evidence", settings.media_dir)
        for path in folder.rglob("*")
        if path.is_file()
    ]
    assert any(p.suffix == ".bin" for p in written) and len(written) >= 3
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in written} == {oct(0o600)}
