"""Whatever a text file holds, an import accounts for every line: each non-blank, non-comment
line is added, skipped as already banked, or reported bad with its own line number; never a 500."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

hex64 = st.text(alphabet="0123456789abcdefABCDEF", min_size=64, max_size=64)
junk = st.text(alphabet=string.ascii_letters + string.digits + " ,.-_", max_size=80)
line = st.one_of(
    hex64.map(lambda h: f"pdq {h}"),
    hex64.map(lambda h: f"PDQ  {h}  "),
    st.text(alphabet="0123456789abcdef", min_size=32, max_size=32).map(lambda h: f"md5 {h}"),
    junk,
    st.just(""),
    st.just("# a comment"),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=st.lists(line, max_size=30))
def test_every_line_is_accounted_for(client, auth_header, lines: list[str]) -> None:
    headers = auth_header("banks")
    client.post(
        "/v1/banks", json={"name": "fuzz", "category": "other", "action": "review"}, headers=headers
    )
    response = client.post(
        "/v1/banks/fuzz/import",
        files={"file": ("f.txt", "\n".join(lines).encode(), "text/plain")},
        data={"format": "text"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    counted = [
        number
        for number, text in enumerate(lines, start=1)
        if text.strip() and not text.strip().startswith("#")
    ]
    assert body["added"] + body["skipped"] + body["bad_count"] == len(counted)
    assert {bad["line"] for bad in body["bad_lines"]} <= set(counted)
    for bad in body["bad_lines"]:
        assert bad["reason"]
