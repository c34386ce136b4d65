"""Rule: the sign-in form's CSRF cookie follows the session cookie's rule: Secure when the public
address (TAKEDOWN_PUBLIC_BASE_URL) is https, so a browser never sends it over plain http."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from takedown.api.app import create_app


@pytest.mark.parametrize(("base", "secure"), [("https://td.example", True), ("http://td", False)])
def test_login_csrf_cookie_is_secure_over_https(settings, base: str, secure: bool) -> None:  # type: ignore[no-untyped-def]
    app = create_app(settings.model_copy(update={"public_base_url": base}))
    with TestClient(app, base_url=base) as client:
        answer = client.get("/console/login")
    cookie = next(
        header
        for header in answer.headers.get_list("set-cookie")
        if header.startswith("takedown_login_csrf=")
    )
    assert ("secure" in cookie.lower().split("; ")) is secure, cookie
