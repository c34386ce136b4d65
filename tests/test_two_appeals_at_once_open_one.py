"""Rule: an appeal is a read-modify-write of its case, so two sent at the same moment (a double
click, a platform's retry) open one appeal and refuse the other, on SQLite as on PostgreSQL."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

from takedown.api.app import create_app
from tests.enforcement_support import decide_violating, report_with_media, scan
from tests.media import generated_scene, jpeg
from tests.review_support import case_reader


def test_two_appeals_at_once_open_one(settings, make_api_key):  # type: ignore[no-untyped-def]
    scan_key, report_key = make_api_key("scan"), make_api_key("report")
    with TestClient(create_app(settings)) as client:
        picture = jpeg(generated_scene(7601))
        scan(client, scan_key, picture, "post-a", "acct-a")
        filed = report_with_media(
            client,
            picture,
            content_id="post-a",
            account_id="acct-a",
            category="non_consensual_intimate_imagery",
        )
        decide_violating(client, settings, filed["case_id"], policy="ncii", search_copies=False)

        answers: list[int] = []
        start = threading.Barrier(2)

        def appeal() -> None:
            start.wait()
            answer = client.post(
                "/v1/uploader-appeals",
                json={"case_id": filed["case_id"], "reason": "not what you think"},
                headers={"Authorization": f"Bearer {report_key}"},
            )
            answers.append(answer.status_code)

        both = [threading.Thread(target=appeal) for _ in range(2)]
        for thread in both:
            thread.start()
        for thread in both:
            thread.join()
        assert sorted(answers) == [201, 409]
        case = client.get(
            f"/v1/cases/{filed['case_id']}", headers=case_reader(client, settings)
        ).json()
        assert case["status"] == "appealed"
