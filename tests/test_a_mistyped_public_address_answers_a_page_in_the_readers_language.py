"""Rule: a reporter who follows a mistyped or cut link (`/reprot`, half a tracking address) gets
a page in their language that leads to the report form and to lost links, not the API's English
problem+json; the API, the console and every client that does not ask for HTML answer as ever."""

from __future__ import annotations

from fastapi.testclient import TestClient

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def test_a_mistyped_public_address_answers_a_page_in_the_readers_language(client: TestClient):
    english = client.get("/reprot", headers=HTML)
    assert english.status_code == 404
    assert english.headers["content-type"].startswith("text/html")
    assert "We could not find this page" in english.text
    assert 'href="/report"' in english.text and 'href="/track"' in english.text

    spanish = client.get("/reprot", headers={**HTML, "Accept-Language": "es-MX,es;q=0.9"})
    assert spanish.status_code == 404 and spanish.headers["content-language"] == "es"
    assert "No encontramos esta página" in spanish.text and 'lang="es"' in spanish.text
    assert "We could not find" not in spanish.text


def test_the_api_and_the_console_keep_their_own_not_found(client: TestClient):
    for path in ("/reprot", "/v1/nothing-here"):
        plain = client.get(path, headers={"Accept": "application/json"})
        assert plain.status_code == 404
        assert plain.headers["content-type"].startswith("application/problem+json")
    api_in_a_browser = client.get("/v1/nothing-here", headers=HTML)
    assert api_in_a_browser.headers["content-type"].startswith("application/problem+json")
    console = client.get("/console/nothing-here", headers=HTML, follow_redirects=False)
    assert "We could not find this page" not in console.text
    posted = client.post("/reprot", headers=HTML)
    assert posted.status_code in (404, 405)
    assert posted.headers["content-type"].startswith("application/problem+json")
