"""Vultr Dashboard's server entry: ``streamlit run app.py`` serves the UI (ui/navigation.py)
and the HTTP API (vultr_core.web) on one port, and stops the demo servers it started on the
way out."""

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from ui.clear_cache_guard import RefuseClearCache
from ui.clients import management_client
from ui.settings import settings, sign_in_configured
from vultr_core.health.embedded import stop_embedded_servers
from vultr_core.log_output import logging_to
from vultr_core.web.routes import Backend, api_routes


@asynccontextmanager
async def lifespan(_app: st.App) -> AsyncIterator[None]:
    """For the server's life, log records go to stderr redacted (a library may quote a key);
    then the embedded PostgreSQL and Valkey, child processes, stop before the server exits,
    since a SIGTERM would otherwise leave them orphaned."""
    try:
        with logging_to(sys.stderr, verbosity=0):
            yield None
    finally:
        stop_embedded_servers()


async def overview(request: Request) -> RedirectResponse:
    """The default page answers at ``/`` only; a shared ``/overview`` link lands there too."""
    return RedirectResponse(request.url.replace(path="/"), status_code=307)


app = st.App(
    "ui/navigation.py",
    lifespan=lifespan,
    middleware=[Middleware(RefuseClearCache)],
    routes=[
        Route("/overview", overview),
        *api_routes(Backend(settings, management_client, sign_in_configured)),
    ],
)
