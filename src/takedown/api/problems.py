"""Errors as RFC 9457 problem documents (`application/problem+json`), mapped in one place."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from takedown.errors import InvalidInput, NotFound, TakedownError

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"


def problem(status: int, code: str, title: str, detail: str, **extra: object) -> JSONResponse:
    body = {"type": f"about:blank#{code}", "title": title, "status": status, "code": code}
    body["detail"] = detail
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(TakedownError)
    async def takedown_error(_: Request, exc: TakedownError) -> JSONResponse:
        return problem(exc.status, exc.code, exc.title, exc.detail, **exc.extra)

    # FastAPI's own errors (a parameter that does not validate, a path nothing serves) become
    # TakedownErrors and go through whichever TakedownError handler is installed last, so the
    # console's error page (console/auth.py) and the API's problem+json are chosen in one place.
    async def as_takedown_error(request: Request, exc: TakedownError) -> Response:
        answer = app.exception_handlers[TakedownError]
        return await answer(request, exc)  # type: ignore[misc]

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return await as_takedown_error(request, invalid_request(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        error = TakedownError(str(exc.detail), code=code)
        error.status, error.title = exc.status_code, str(exc.detail)
        return await as_takedown_error(request, error)

    @app.exception_handler(Exception)
    async def unexpected_error(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return problem(500, "internal_error", "Internal error", "an unexpected error was logged")


def invalid_request(exc: RequestValidationError) -> TakedownError:
    """A request FastAPI could not validate, as the error it is: a path parameter that does not
    fit (an id past the database's range, a word where a number goes) names nothing, so 404;
    anything else is 422 with each field's message."""
    errors = [
        {
            "field": ".".join(str(p) for p in err["loc"] if p not in ("body", "query", "form")),
            "message": err["msg"],
            "type": err["type"],
        }
        for err in exc.errors()
    ]
    in_path = [err for err in exc.errors() if err["loc"][:1] == ("path",)]
    if in_path:
        return NotFound(f"nothing here has the {in_path[0]['loc'][-1]} {in_path[0]['input']}")
    summary = "; ".join(f"{e['field'] or 'request'}: {e['message']}" for e in errors)
    return InvalidInput(summary, errors=errors)
