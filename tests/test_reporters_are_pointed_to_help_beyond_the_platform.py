"""After reporting, and on their tracking page, a reporter is pointed to help beyond this
platform for what they reported: NCMEC's Take It Down and CyberTipline for a child, StopNCII.org
and Take It Down for intimate images; nothing for a terms report. An operator replaces the list
for their country; a broken list stops the server from starting, saying where."""

from __future__ import annotations

import json
import re

import pytest

from takedown.api.app import create_app
from tests.reports_support import file_report

SPANISH = {"Accept-Language": "es"}


def links(page: str) -> list[str]:
    section = page.split('id="support-heading"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<a href="([^"]+)">', section)


def test_help_matches_what_was_reported(client):
    child = client.post(
        "/report",
        data={"category": "child_sexual_exploitation", "content_url": "https://p.example/1"},
    )
    assert child.status_code == 201
    assert links(child.text) == ["https://takeitdown.ncmec.org", "https://report.cybertip.org"]

    intimate = file_report(client, "non_consensual_intimate_imagery")
    tracking = client.get(f"/track/{intimate['tracking_token']}").text
    assert links(tracking) == ["https://takeitdown.ncmec.org", "https://stopncii.org"]

    terms = file_report(client, "terms_violation", content_id="post-7")
    assert 'id="support-heading"' not in client.get(f"/track/{terms['tracking_token']}").text


def test_help_is_in_the_readers_language(client):
    answer = client.post(
        "/report",
        data={"category": "child_sexual_abuse", "content_url": "https://p.example/2"},
        headers=SPANISH,
    )
    assert "Ayuda más allá de esta plataforma" in answer.text
    assert "incluida la sextorsión" in answer.text


def test_an_operator_replaces_the_list(client, app, settings, tmp_path):
    own = tmp_path / "support.json"
    own.write_text(
        json.dumps(
            [
                {
                    "name": "National hotline",
                    "url": "https://hotline.example",
                    "description": "Reports and advice, day and night.",
                },
                {
                    "name": "Image abuse helpline",
                    "url": "https://helpline.example",
                    "description": "For adults whose intimate images were shared.",
                    "categories": ["non_consensual_intimate_imagery"],
                },
            ]
        )
    )
    app.state.settings = settings.model_copy(update={"support_resources_file": own})
    child = file_report(client, "child_sexual_abuse")
    assert links(client.get(f"/track/{child['tracking_token']}").text) == [
        "https://hotline.example"
    ]
    intimate = file_report(client, "non_consensual_intimate_imagery", content_id="p-9")
    assert links(client.get(f"/track/{intimate['tracking_token']}").text) == [
        "https://hotline.example",
        "https://helpline.example",
    ]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("not json", "Expecting value"),
        ('{"name": "x"}', "expected a JSON list"),
        ('[{"name": "x", "url": "https://x.example"}]', "entry 1: needs name, url and description"),
        ('[{"name": "x", "url": "ftp://x", "description": "d"}]', "entry 1: url must start"),
        (
            '[{"name": "x", "url": "https://x.example", "description": "d", '
            '"categories": ["csam"]}]',
            "entry 1: categories must be a list of",
        ),
    ],
)
def test_a_broken_list_stops_the_start(settings, tmp_path, content, problem):
    broken = tmp_path / "support.json"
    broken.write_text(content)
    with pytest.raises(ValueError, match=re.escape(problem)):
        create_app(settings.model_copy(update={"support_resources_file": broken}))
