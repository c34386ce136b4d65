"""Rule (docs/languages.md): the shipped Spanish speaks to the reader in one register, the
informal "tú" youth services use, and one vocabulary: a "reporte" (a "denuncia" is what is made
to the police), a "video". A victim reading "usted" on one line and "tú" on the next reads two
voices."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

import takedown.i18n

CATALOGUE = Path(takedown.i18n.__file__).parent / "locales" / "es.po"
# Forms of "usted" and the formal vocabulary the catalogue once mixed in.
FORMAL = re.compile(
    r"\busted\b|\bdenuncia(s|r|do|ste)?\b|\bdenunci[eó]\b|\bvídeos?\b|\bescriba\b|\bmarque\b"
    r"|\bindique\b|\bha pedido\b|\bpodrá\b|\bpuede volver\b|\bsus (huellas|denuncias"
    r"|datos|imágenes)\b|\bsu (nombre|denuncia|correo)\b",
    re.IGNORECASE,
)


def test_the_spanish_catalogue_uses_tu_reporte_and_video_throughout():
    with CATALOGUE.open("rb") as po:
        catalogue = read_po(po)
    formal = []
    for message in catalogue:
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in texts:
            # Reporting to the police is a "denuncia": the one place the word belongs.
            if text and FORMAL.search(text.replace("lo denunciaste a la policía", "")):
                formal.append(text)
    assert formal == []


def test_the_spanish_lost_links_page_and_refusals_read_as_tu(client):
    page = client.get("/track", headers={"Accept-Language": "es"}).text
    assert "¿Perdiste el enlace de tu reporte?" in page
    refused = client.post("/track", data={"email": "no"}, headers={"Accept-Language": "es"}).text
    assert "Escribe la dirección de correo electrónico que diste con tu reporte." in refused
