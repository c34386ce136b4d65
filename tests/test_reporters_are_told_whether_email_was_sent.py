"""Rule: the confirmation and the lost-link page say an email was sent only when this server
sends email (`TAKEDOWN_SMTP_HOST`); otherwise they say to keep the link."""

from __future__ import annotations

FORM = {
    "category": "child_sexual_abuse",
    "content_url": "https://platform.example/p/1",
    "reporter.email": "parent@example.org",
}


def test_without_email_the_confirmation_does_not_claim_it_emailed_the_link(client):
    page = client.post("/report", data=FORM).text
    assert "We have also sent it to your email address" not in page
    assert "This server does not send email, so it was not emailed to you" in page
    many = client.post("/report", data={**FORM, "more_urls": "https://platform.example/p/2"})
    assert "We have also sent them to your email address" not in many.text
    assert "so they were not emailed to you" in many.text


def test_without_email_the_lost_link_page_does_not_claim_it_emailed_them(client):
    asked = client.post("/track", data={"email": "parent@example.org"}).text
    assert "we have emailed it their links" not in asked
    assert "This server does not send email, so we cannot send your links." in asked


def test_with_email_both_pages_say_it_was_sent(client, app, settings):
    app.state.settings = settings.model_copy(update={"smtp_host": "mail.example"})
    page = client.post("/report", data=FORM).text
    assert "We have also sent it to your email address." in page
    asked = client.post("/track", data={"email": "parent@example.org"}).text
    assert "we have emailed it their links" in asked
