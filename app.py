"""Vultr Dashboard's server entry: ``streamlit run app.py`` serves the UI (ui/navigation.py)
and the app's own routes on one port, and stops the demo servers it started on the way out."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from vultr_core.health.embedded import stop_embedded_servers


@asynccontextmanager
async def lifespan(_app: st.App) -> AsyncIterator[None]:
    """Embedded PostgreSQL and Valkey run as child processes: stop them before the server
    exits, since a SIGTERM would otherwise leave them orphaned."""
    try:
        yield None
    finally:
        stop_embedded_servers()


async def overview(request: Request) -> RedirectResponse:
    """The default page answers at ``/`` only; a shared ``/overview`` link lands there too."""
    return RedirectResponse(request.url.replace(path="/"), status_code=307)


app = st.App(
    "ui/navigation.py",
    lifespan=lifespan,
    routes=[Route("/overview", overview)],
)
