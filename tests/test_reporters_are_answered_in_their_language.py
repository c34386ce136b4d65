"""Reporters read the report form, its errors, the confirmation, the tracking page and their
emails in their language: the browser's, a language link they followed (remembered), or the one
their report was made in. Spanish ships; an operator adds languages or rewords messages with
catalogues of their own, and `takedown translations check` proves a catalogue complete and safe."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po, write_po
from typer.testing import CliRunner

from takedown import clock
from takedown.cases.models import CaseStatus
from takedown.cases.service import get_case, set_status
from takedown.cli.main import app as cli
from takedown.i18n.catalogues import SHIPPED_DIR
from takedown.i18n.extraction import catalogue_problems, new_catalogue
from takedown.notify.scheduled import deliver_notifications
from takedown.notify.service import queue_decision_message
from takedown.review.public_texts import NOT_VIOLATING_TWO_REVIEWERS, VIOLATING_WITH_POLICY
from takedown.store.db import session_scope
from tests.reports_support import file_report
from tests.review_support import console, make_user, staff_headers

SPANISH = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.4"}


def heading(page: str) -> str:
    return re.search(r"<h1>([^<]+)</h1>", page).group(1)


def field_errors(page: str) -> list[str]:
    return re.findall(r'class="error-message"[^>]*>[^<]*?: ([^<]+)</span>', page)


def test_report_form_follows_the_browsers_language(client):
    spanish = client.get("/report", headers=SPANISH)
    assert spanish.status_code == 200
    assert (
        '<html lang="es" dir="ltr">' in spanish.text and spanish.headers["content-language"] == "es"
    )
    assert heading(spanish.text) == "Reportar contenido"
    assert "Imágenes íntimas compartidas sin consentimiento" in spanish.text  # a category
    assert 'href="/report?lang=en"' in spanish.text  # a way back to English

    not_offered = client.get("/report", headers={"Accept-Language": "fr-FR, fr;q=0.9"})
    assert heading(not_offered.text) == "Report content"
    assert '<html lang="en" dir="ltr">' in not_offered.text
    assert re.search(
        r'<a href="/report\?lang=es" lang="es" hreflang="es">español</a>', not_offered.text
    )


def test_a_language_link_is_remembered(client):
    chosen = client.get("/report?lang=es")
    assert heading(chosen.text) == "Reportar contenido"
    assert "takedown_lang=es" in chosen.headers["set-cookie"]
    assert heading(client.get("/report").text) == "Reportar contenido"  # the cookie
    # A link outranks the browser's own preference, both ways.
    back = client.get("/report?lang=en", headers=SPANISH)
    assert heading(back.text) == "Report content"
    assert heading(client.get("/report", headers=SPANISH).text) == "Report content"
    # Without cookies, the form still answers in the language it was shown in.
    page = app_client(client.app).get("/report?lang=es").text
    action = re.search(r'<form method="post" action="([^"]+)"', page).group(1)
    answered = app_client(client.app).post(
        action, data={"category": "child_sexual_abuse", "content_url": "https://p.example/c"}
    )
    assert answered.status_code == 201 and heading(answered.text) == "Recibimos tu reporte"


def test_form_errors_are_in_the_readers_language(client):
    answer = client.post(
        "/report",
        data={
            "category": "child_sexual_abuse",
            "content_url": "https://platform.example/p/1",
            "more_urls": "https://platform.example/p/2\nnot an address",
        },
        headers=SPANISH,
    )
    assert answer.status_code == 422
    assert heading(answer.text) == "Reportar contenido"
    assert field_errors(answer.text) == ["La línea 2 debe empezar por http:// o https://."]
    answer = client.post(
        "/report",
        data={"category": "other_illegal", "reporter.email": "not-an-address"},
        headers=SPANISH,
    )
    # The API's own (pydantic) message for the address is not shown: a reader's message is
    # (with the category's other errors, all at once).
    errors = field_errors(answer.text)
    assert "Escribe un correo electrónico con el formato nombre@ejemplo.com." in errors
    assert "Indica tu correo electrónico." not in errors  # one message for the field
    answer = client.post("/report", data={"category": "other_illegal"}, headers=SPANISH)
    errors = field_errors(answer.text)  # the rules of the report's category
    assert "Indica tu nombre." in errors and "Indica tu correo electrónico." in errors
    assert "There is a problem" not in answer.text and "Give your" not in answer.text


def test_report_made_in_spanish_is_acknowledged_tracked_and_decided_in_spanish(client, app, mail):
    settings, inbox = mail
    sent = client.post(
        "/report",
        data={
            "category": "child_sexual_abuse",
            "content_url": "https://platform.example/p/es-1",
            "reporter.email": "madre@example.org",
            "reporter.role": "parent_or_guardian",
        },
        headers=SPANISH,
    )
    assert sent.status_code == 201, sent.text
    assert heading(sent.text) == "Recibimos tu reporte"
    case_id = re.search(r'id="case-reference">([^<]+)<', sent.text).group(1)
    tracking = re.search(r'id="tracking-link" href="([^"]+)"', sent.text).group(1)

    assert deliver_notifications(settings) == 1
    (acknowledgment,) = inbox.to("madre@example.org")
    assert acknowledgment["Subject"] == f"Recibimos tu reporte ({case_id})"
    assert "Referencia del caso: " + case_id in acknowledgment.get_content()
    assert tracking in acknowledgment.get_content()
    # Help beyond this platform, for what was reported, in Spanish too.
    lines = acknowledgment.get_content().splitlines()
    offered = lines.index("Ayuda más allá de esta plataforma:")
    assert lines[offered + 1] == "- Take It Down (NCMEC): https://takeitdown.ncmec.org"

    # Opened later on another device whose browser says nothing: the report's language.
    path = tracking.removeprefix("http://testserver")
    elsewhere = app_client(app)
    page = elsewhere.get(path)
    assert heading(page.text) == "Tu reporte" and 'id="status">recibido<' in page.text
    assert heading(elsewhere.get(path + "?lang=en").text) == "Your report"
    assert heading(app_client(app).get(path, headers={"Accept-Language": "en"}).text) == (
        "Tu reporte"  # the report's language outranks a browser that did not choose
    )

    with session_scope(settings.resolved_database_url) as db_session:
        case = get_case(db_session=db_session, case_id=case_id)
        case.outcome = "violating"
        case.outcome_text_public = VIOLATING_WITH_POLICY % {"policy": "csam"}
        case.decided_at = clock.now()
        set_status(db_session=db_session, case=case, status=CaseStatus.ACTION_TAKEN, actor="t")
        queue_decision_message(db_session=db_session, case=case, settings=settings)
    deliver_notifications(settings)
    decision = inbox.to("madre@example.org")[-1]
    assert decision["Subject"] == f"Decisión sobre tu reporte ({case_id})"
    body = decision.get_content()
    assert "Estado: medidas tomadas" in body
    assert "infringe nuestras normas (csam) y tomamos medidas contra él" in body
    page = app_client(app).get(path).text
    assert (
        'id="decision">Comprobamos que el contenido reportado infringe nuestras normas (csam)'
        in page
    )
    # The record stays in English (statements of reasons, the console).
    assert case.outcome_text_public.startswith("We found that")


def app_client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    return TestClient(app, base_url="http://testserver")


def test_api_reports_say_their_language(client, settings):
    offered = client.get("/v1/languages").json()
    assert offered["default"] == "en"
    assert {"tag": "es", "name": "español"} in offered["languages"]

    regional = file_report(client, "child_sexual_abuse", language="es-AR")
    page = app_client(client.app).get(f"/track/{regional['tracking_token']}").text
    assert heading(page) == "Tu reporte"
    # Staff see which language the reporter reads, in the staff API and on the case page.
    make_user(settings, "lead", "admin")
    case = client.get(
        f"/v1/cases/{regional['case_id']}", headers=staff_headers(client, settings, "lead")
    ).json()
    assert case["reports"][0]["language"] == "es"
    case_page = console(client.app, "lead").get(f"/console/cases/{regional['case_id']}").text
    assert re.search(r'class="report-language">español \(', case_page)
    unoffered = file_report(client, "child_sexual_abuse", content_id="p-ja", language="ja")
    page = app_client(client.app).get(f"/track/{unoffered['tracking_token']}").text
    assert heading(page) == "Your report"


def test_every_shipped_catalogue_translates_every_message():
    shipped = sorted(SHIPPED_DIR.glob("*.po"))
    assert [path.stem for path in shipped] == ["es"]
    for path in shipped:
        assert catalogue_problems(path) == []


def test_catalogue_check_catches_missing_and_unsafe_translations(tmp_path: Path, cli_env):
    runner = CliRunner()
    made = runner.invoke(cli, ["translations", "new", "nl", "--dir", str(tmp_path)])
    assert made.exit_code == 0, made.output
    path = tmp_path / "nl.po"
    _fill(path, lambda message: message)  # every message "translated" as itself
    assert runner.invoke(cli, ["translations", "check", "--dir", str(tmp_path)]).exit_code == 0

    def unsafe(message: str) -> str:
        if message.startswith("Line %(line)s"):
            return "Regel %(lijn)s moet beginnen met http:// of https://."  # a renamed placeholder
        if message.startswith("<strong>"):
            return message.replace("<strong>", "").replace("</strong>", "")  # a tag dropped
        if message == "Send report":
            return "100% klaar"  # a lone % breaks the page's formatting
        return "" if message == "Your report" else message

    _fill(path, unsafe)
    checked = runner.invoke(cli, ["translations", "check", "--dir", str(tmp_path)])
    assert checked.exit_code == 1
    assert (
        "'Line %(line)s must start with http:// or https://.': placeholders differ"
        in checked.output
    )
    assert "HTML tags differ" in checked.output
    assert "'Send report': not a valid %-format" in checked.output
    assert "'Your report': not translated" in checked.output
    refused = runner.invoke(cli, ["translations", "new", "nl", "--dir", str(tmp_path)])
    assert refused.exit_code == 1 and "exists" in refused.output

    # A newer version's messages: `update` adds them untranslated and keeps the rest.
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    catalogue.delete("Send appeal")
    catalogue["Send report"].string = "Verstuur melding"
    with path.open("wb") as handle:
        write_po(handle, catalogue)
    assert runner.invoke(cli, ["translations", "update", "--dir", str(tmp_path)]).exit_code == 0
    with path.open("rb") as handle:
        updated = read_po(handle)
    added = updated["Send appeal"]  # back, as a suggestion to check or untranslated
    assert added is not None and (added.fuzzy or not added.string)
    assert updated["Send report"].string == "Verstuur melding"
    checked = runner.invoke(cli, ["translations", "check", "--dir", str(tmp_path)])
    assert checked.exit_code == 1 and "'Send appeal'" in checked.output

    listed = runner.invoke(cli, ["translations", "list"])
    assert listed.exit_code == 0 and "español" in listed.output


def _fill(path: Path, translate) -> None:  # type: ignore[no-untyped-def]
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    for message in catalogue:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            message.string = tuple(
                translate(message.id[min(n, 1)]) for n in range(catalogue.num_plurals)
            )
        else:
            message.string = translate(message.id)
    with path.open("wb") as handle:
        write_po(handle, catalogue)


def test_an_operator_catalogue_rewords_and_adds_languages(client, app, settings, tmp_path):
    operator = tmp_path / "translations"
    new_catalogue("es", operator)
    _fill(operator / "es.po", lambda m: "Denunciar contenido" if m == "Report content" else "")
    new_catalogue("ar", operator)
    _fill(operator / "ar.po", lambda m: f"⟦{m}⟧")
    app.state.settings = settings.model_copy(update={"translations_dir": operator})

    spanish = client.get("/report", headers=SPANISH).text
    assert heading(spanish) == "Denunciar contenido"  # the operator's wording
    assert "Cómo funciona el reporte" in spanish  # the rest: the shipped catalogue
    offered = [language["tag"] for language in client.get("/v1/languages").json()["languages"]]
    assert offered == ["en", "ar", "es"]
    # A language written right to left is laid out so.
    arabic = client.get("/report", headers={"Accept-Language": "ar"}).text
    assert '<html lang="ar" dir="rtl">' in arabic
    assert '<html lang="es" dir="ltr">' in client.get("/report", headers=SPANISH).text


def test_public_pages_leave_no_text_untranslated(client, app, settings, tmp_path):
    """Every message on the public pages is a translatable one: rendered in a pseudo-language
    whose every translation is bracketed, no text outside brackets remains but the reader's
    own answers and the case's references, dates and links."""
    operator = tmp_path / "translations"
    new_catalogue("qps", operator)
    _fill(operator / "qps.po", lambda m: f"⟦{m}⟧")
    app.state.settings = settings.model_copy(update={"translations_dir": operator})
    pseudo = {"Accept-Language": "qps"}

    pages = [client.get("/report", headers=pseudo).text]
    pages.append(
        client.post(
            "/report",
            data={"category": "other_illegal", "more_urls": "x", "reporter.email": "bad"},
            headers=pseudo,
        ).text
    )
    sent = client.post(
        "/report",
        data={
            "category": "child_sexual_abuse",
            "content_url": "https://platform.example/p/q1",
            "more_urls": "https://platform.example/p/q2",
        },
        headers=pseudo,
    )
    assert sent.status_code == 201
    pages.append(sent.text)
    token = re.search(r'id="tracking-link" href="[^"]*/track/([^"]+)"', sent.text).group(1)
    added = client.post(
        f"/track/{token}/information",
        data={"text": "Reporter words", "police_case_number": "PD-1", "subject_is_minor": "yes"},
        headers=pseudo,
        follow_redirects=False,
    )
    assert added.status_code == 303
    pages.append(client.get(f"/track/{token}", headers=pseudo).text)
    case_id = re.search(r'id="case-reference">([^<]+)<', sent.text).group(1)
    with session_scope(settings.resolved_database_url) as db_session:
        case = get_case(db_session=db_session, case_id=case_id)
        case.outcome = "not_violating"
        case.outcome_text_public = NOT_VIOLATING_TWO_REVIEWERS
        case.decided_at = clock.now()
        set_status(db_session=db_session, case=case, status=CaseStatus.NO_ACTION, actor="t")
    decided = client.get(f"/track/{token}", headers=pseudo).text
    assert 'id="decision">⟦' in decided and 'action="/track/' in decided  # the appeal form
    pages.append(decided)
    pages.append(client.post(f"/track/{token}/appeal", data={"reason": " "}, headers=pseudo).text)
    appealed = client.post(f"/track/{token}/appeal", data={"reason": "I disagree"}, headers=pseudo)
    assert appealed.status_code == 200 and "⟦Appeal⟧" in appealed.text
    pages.append(appealed.text)
    pages.append(client.get("/track/no-such-token", headers=pseudo).text)

    for page in pages:
        assert _untranslated(page, allowed={"Reporter words", "PD-1"}) == []


def _untranslated(page: str, *, allowed: set[str]) -> list[str]:
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    body = re.sub(r'value="[^"]*"', " ", body)  # what the reader typed, given back
    text = re.sub(r"<[^>]+>", " ", body)
    text = re.sub(r"⟦[^⟧]*⟧", " ", text)
    for value in allowed:
        text = text.replace(value, " ")
    words = re.findall(r"[^\W\d_][^\W\d_']+", text)
    # Left alone: the product's name, the time zone, language names, and references/links
    # (case_..., rep_..., https://...), which carry digits, dots or underscores.
    tokens = text.split()
    references = {t for t in tokens if re.search(r"[\d_./:]", t)}
    ignored = {"Takedown", "UTC", "English", "español", "qps"}
    return [
        word
        for word in words
        if word not in ignored and not any(word in reference for reference in references)
    ]


def test_a_report_without_a_language_is_answered_in_the_default_language(client, app, mail):
    settings, inbox = mail
    app.state.settings = settings.model_copy(update={"default_language": "es"})
    answer = file_report(
        client, "child_sexual_abuse", reporter={"email": "padre@example.org"}
    )  # from a platform's server: no language, no browser
    deliver_notifications(app.state.settings)
    (acknowledgment,) = inbox.to("padre@example.org")
    assert acknowledgment["Subject"] == f"Recibimos tu reporte ({answer['case_id']})"
    assert client.get("/v1/languages").json()["default"] == "es"
