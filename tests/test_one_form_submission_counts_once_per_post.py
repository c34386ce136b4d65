"""Rule: one submission of the form is one report per post. Addresses that are the same once
normalised (as cases are merged: `www.`, a trailing slash, tracking parameters, the host's case,
a #fragment) are one post: it gets one report, one reference on the confirmation, and no
"repeated reports" priority from itself. Addresses given only in "More addresses" count."""

from __future__ import annotations

import re

from tests.review_support import case_seen_by_staff

SAME_POST = [
    "https://platform.example/watch/1",
    "https://www.platform.example/watch/1/",
    "https://PLATFORM.example/watch/1?utm_source=share",
    "https://platform.example/watch/1#comments",
]


def test_addresses_of_one_post_in_one_submission_file_one_report(client, settings):
    page = client.post(
        "/report",
        data={
            "category": "child_sexual_abuse",
            "content_url": SAME_POST[0],
            "more_urls": "\n".join(SAME_POST[1:]),
        },
    )
    assert page.status_code == 201, page.text
    case_id = re.search(r'id="case-reference">([^<]+)<', page.text).group(1)
    assert page.text.count(case_id) == 1  # listed once
    assert 'class="more-case-reference"' not in page.text
    case = case_seen_by_staff(client, settings, case_id)
    assert case["report_count"] == 1
    # A bystander's report of child sexual abuse material is P1; three reports would make it P0.
    assert case["priority"] == "P1"
    assert "reported repeatedly" not in case["priority_reasons"]


def test_addresses_given_only_as_more_addresses_are_the_report(client, settings):
    page = client.post(
        "/report",
        data={
            "category": "child_sexual_abuse",
            "more_urls": "https://platform.example/watch/7\nhttps://platform.example/watch/8",
        },
    )
    assert page.status_code == 201, page.text
    assert "Give the address" not in page.text
    references = re.findall(
        r'(?:id="case-reference"|class="more-case-reference")>([^<]+)<', page.text
    )
    assert len(set(references)) == 2
    first = case_seen_by_staff(client, settings, references[0])
    assert first["reports"][0]["content_url"] == "https://platform.example/watch/7"
