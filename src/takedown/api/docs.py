"""/docs: Swagger UI for /openapi.json, its files served from the fastapi-offline package (no
CDN: it works offline, and no third-party script runs on the console's origin), under the
console's Content-Security-Policy: only this server's scripts, none inline. The package's own
page is not used: it runs an inline script, which that policy forbids."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

from takedown.web.templating import PAGE_HEADERS

ASSETS = "/docs/assets"
_SWAGGER_UI = Path(fastapi_offline.__file__).parent / "static"  # Swagger UI 5: OpenAPI 3.1
_START = Path(__file__).parent / "static" / "docs.js"
_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Takedown API</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
<link rel="icon" type="image/png" href="{ASSETS}/favicon.png">
</head>
<body>
<div id="swagger-ui"><noscript>The API is described in <a href="/openapi.json">/openapi.json</a>.
</noscript></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="/docs/start.js"></script>
</body>
</html>
"""


def install(app: FastAPI) -> None:
    """Serve /docs (FastAPI's own, which loads Swagger UI from a CDN, is switched off)."""
    app.mount(ASSETS, StaticFiles(directory=_SWAGGER_UI), name="docs_assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(_PAGE, headers=PAGE_HEADERS)

    @app.get("/docs/start.js", include_in_schema=False)
    def start() -> FileResponse:
        return FileResponse(_START, media_type="text/javascript", headers=PAGE_HEADERS)
