"""A browser asking for a page that does not exist, outside the API and the console (a mistyped
or cut link to the report form or a tracking page), gets a page in the reader's language with
the ways on, not the API's English problem+json."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from takedown.errors import TakedownError
from takedown.i18n.negotiation import reader_of
from takedown.web.templating import render

# Where the API's or the console's own answers stand, whoever asks.
NOT_PUBLIC = ("/v1/", "/console", "/scim/", "/docs", "/openapi.json", "/metrics", "/static/")


def install_not_found_page(app: FastAPI) -> None:
    """Chained after every other TakedownError handler (the console's, SCIM's)."""
    other_handler = app.exception_handlers[TakedownError]

    @app.exception_handler(TakedownError)
    async def public_not_found(request: Request, exc: TakedownError) -> Response:
        if (
            exc.status == 404
            and request.method in ("GET", "HEAD")
            and "text/html" in request.headers.get("accept", "")
            and not request.url.path.startswith(NOT_PUBLIC)
        ):
            reader = reader_of(request, request.app.state.settings)
            context = {"language_path": "/report"}  # a page that exists, in each language
            return render(request, "web/not_found.html", context, status_code=404, reader=reader)
        return await other_handler(request, exc)  # type: ignore[misc]
