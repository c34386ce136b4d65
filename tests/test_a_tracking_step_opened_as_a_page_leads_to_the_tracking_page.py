"""Rule: a reporter never meets an English "Method Not Allowed" or "Invalid multipart data" in
JSON on the public pages. A tracking page step's address opened as a page (reloaded from the
address bar after a refused appeal, reached by Back, pasted) leads to the tracking page; a
report form the server cannot read is answered with the form and its error, in the reader's
language."""

from __future__ import annotations

import pytest

from tests.reports_support import file_report


@pytest.mark.parametrize("step", ["appeal", "information", "withdraw", "erase-contact"])
def test_a_tracking_step_opened_as_a_page_leads_to_the_tracking_page(client, step: str) -> None:  # type: ignore[no-untyped-def]
    token = file_report(client, "child_sexual_abuse")["tracking_token"]
    opened = client.get(f"/track/{token}/{step}", follow_redirects=False)
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/track/{token}"
    page = client.get(f"/track/{token}/{step}", headers={"Accept-Language": "es"})
    assert page.status_code == 200 and "<h1>Tu reporte</h1>" in page.text


def test_an_unreadable_report_form_is_answered_with_the_form(client) -> None:  # type: ignore[no-untyped-def]
    answer = client.post(
        "/report",
        content=b"not a form",
        headers={"Content-Type": "multipart/form-data; boundary=x", "Accept-Language": "es"},
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert "No se pudo enviar tu reporte. Revisa tus respuestas." in answer.text
    assert '<form method="post" action="/report?lang=es"' in answer.text
    too_many = {f"field{n}": "x" for n in range(80)}
    answer = client.post("/report", data=too_many, files={"f": ("a.txt", b"x")})
    assert answer.status_code == 400 and "Your report could not be sent." in answer.text
