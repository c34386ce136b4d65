"""The FastAPI application: one factory, every concern's router registered here."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from takedown import __version__
from takedown.api import docs, health, openapi
from takedown.api.deps import REFUSE_UNKNOWN_QUERY
from takedown.api.problems import install_problem_handlers
from takedown.jobs.runner import JobRunner, all_jobs
from takedown.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    from takedown.console.auth import session_secret
    from takedown.reports.support import check_support_resources

    check_support_resources(settings)  # a broken operator file stops the start, saying why
    session_secret(settings)  # generated on the first start; a broken key file stops it

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from takedown.index.service import load_index
        from takedown.signals.service import warm_up

        app.state.index = load_index(settings)
        warm_up(settings)  # the first upload should not wait for the hashing kernels
        runner = JobRunner(settings, all_jobs(app))
        app.state.jobs = runner
        if settings.run_background_jobs:
            runner.start()
        try:
            yield
        finally:
            runner.stop()
            if settings.run_background_jobs:
                _last_checkpoint(settings)
            app.state.index.close()

    app = FastAPI(
        title="Takedown",
        version=__version__,
        description="Scan uploads against hash banks, take reports, review cases, act, and report.",
        lifespan=lifespan,
        docs_url=None,  # api/docs.py: Swagger UI from the package, not a CDN
        redoc_url=None,
        dependencies=[REFUSE_UNKNOWN_QUERY],
    )
    app.state.settings = settings
    install_problem_handlers(app)
    _include_routers(app)
    docs.install(app)
    openapi.install(app)
    return app


def _include_routers(app: FastAPI) -> None:
    """Each concern's views.py exposes `router`; the order here is the order in /docs."""
    from takedown.banks import views as banks_views
    from takedown.scan import views as scan_views

    app.include_router(scan_views.router)
    app.include_router(banks_views.router)

    from takedown.exchanges import views as exchange_views

    app.include_router(exchange_views.router)  # /v1/banks/{name}/exchange

    from takedown.lookback import views as lookback_views

    app.include_router(lookback_views.router)  # /v1/lookback
    app.include_router(health.router)

    from takedown.signals import views as signals_views

    app.include_router(signals_views.router)  # POST /v1/hash

    from takedown.audit import views as audit_views
    from takedown.banks import pages as bank_pages
    from takedown.console import account, api_keys, sign_in, single_sign_on, staff, wellbeing
    from takedown.console import auth as console_auth
    from takedown.console import views as console_views
    from takedown.notifiers import views as notifier_views
    from takedown.operations import views as operations_views
    from takedown.quality import views as quality_views
    from takedown.review import views as review_views

    app.include_router(review_views.router)  # staff API: /v1/cases, /v1/appeals

    from takedown.ncmec import views as ncmec_views

    app.include_router(ncmec_views.router)  # /v1/cases/{id}/ncmec
    app.include_router(console_views.router)  # /console
    app.include_router(sign_in.router)  # /console/login, /console/invite
    app.include_router(single_sign_on.router)  # /console/login/sso

    from takedown.scim import views as scim_views

    app.include_router(scim_views.router)  # /scim/v2: the identity provider's provisioning
    app.include_router(account.router)  # /console/account
    app.include_router(staff.router)  # /console/staff
    app.include_router(api_keys.router)  # /console/keys
    app.include_router(wellbeing.router)  # /console/wellbeing
    app.include_router(operations_views.router)  # /v1/overview, /console/overview
    app.include_router(quality_views.router)  # /v1/quality, /console/quality
    app.include_router(notifier_views.router)  # /v1/notifiers, /console/notifiers
    app.include_router(bank_pages.router)  # /console/banks
    app.include_router(audit_views.router)  # /v1/audit, /console/audit
    console_auth.install_login_redirect(app)
    scim_views.install_error_format(app)  # after the console's: /scim/v2 refusals in SCIM's format
    from takedown.web import not_found

    not_found.install_not_found_page(app)  # last: a browser's unknown public page, in its language

    from takedown.reports import pages as report_pages
    from takedown.reports import views as report_views

    app.include_router(report_views.router)  # POST /v1/reports, uploader appeals, reporter flags
    app.include_router(report_pages.router)  # public /report and /track/{token}

    from takedown.accounts import views as accounts_views
    from takedown.enforcement import views as enforcement_views
    from takedown.evidence import views as evidence_views
    from takedown.transparency import views as transparency_views

    app.include_router(enforcement_views.router)  # webhook outbox, /v1/cases/{id}/enforcement
    app.include_router(accounts_views.router)  # /v1/accounts/{id}, /console/accounts/{id}
    app.include_router(evidence_views.router)  # /v1/evidence (legal only)
    app.include_router(transparency_views.router)  # /v1/statements-of-reasons

    from takedown.web import templating as web_templating

    web_templating.install(app)  # /static: shared CSS for public pages and the console


def _last_checkpoint(settings: Settings) -> None:
    """At shutdown, a checkpoint of what this server appended since the last one."""
    from takedown.audit.checkpoints import checkpoint_due

    try:
        checkpoint_due(settings, force=True)
    except Exception:  # a database already gone must not turn a clean stop into a crash
        logging.getLogger(__name__).exception("audit checkpoint at shutdown not written")
