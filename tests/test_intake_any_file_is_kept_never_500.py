"""Any byte string attached to a child-safety report is accepted and kept (201), never a 500:
media trouble must not lose a report."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.media import generated_scene, jpeg

JPEG_HEAD = jpeg(generated_scene(3))[:600]


@hypothesis_settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(
        st.binary(min_size=1, max_size=2048),
        st.binary(max_size=512).map(lambda tail: JPEG_HEAD + tail),  # truncated/corrupt JPEG
        st.binary(max_size=256).map(lambda tail: b"\x00\x00\x00\x18ftypmp42" + tail),
    )
)
def test_any_attached_bytes_are_kept(client, data: bytes) -> None:
    answer = client.post(
        "/v1/reports",
        data={"report": json.dumps({"category": "child_sexual_abuse"})},
        files={"file": ("x.bin", data, "application/octet-stream")},
    )
    assert answer.status_code == 201, answer.text
