"""Vultr Dashboard's server entry: ``streamlit run app.py`` serves the UI (ui/navigation.py)
and the HTTP API (vultr_core.web) on one port, and stops the demo servers it started on the
way out."""

import contextlib
import inspect
import sys
import threading
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
from vultr_core.api.errors import ConfigurationError
from vultr_core.health.embedded import start_stand_ins, stop_embedded_servers
from vultr_core.history.persistent import stop_persistent_servers
from vultr_core.log_output import logging_to
from vultr_core.web.routes import Backend, api_routes


def warm_up() -> None:
    """The first visit's one-off costs, paid at start: in demo mode, the embedded servers'
    start (first, in threads of their own, so initdb overlaps the rest while the browser loads
    the page); the Overview's modules (the import is the warm-up), the shared management
    client, and two of Streamlit's: the image plugins it opens the page icon with, and the
    paths of the loaded modules, which its first element of a process resolves
    (``inspect.stack()``, to tell a REPL) before the title can go out. No request is sent."""
    with contextlib.suppress(ConfigurationError):  # the page says what to fix
        start_stand_ins(settings())
    import PIL.Image

    from ui import health, history, spend  # noqa: F401

    PIL.Image.preinit()
    inspect.stack()
    spend.warm_up()


@asynccontextmanager
async def lifespan(_app: st.App) -> AsyncIterator[None]:
    """For the server's life, log records go to stderr redacted (a library may quote a key);
    the first visit's one-off costs are paid meanwhile in a thread (the server answers from
    the start); then the embedded PostgreSQL and Valkey (the history's too), child processes,
    stop before the server exits, since a SIGTERM would otherwise leave them orphaned."""
    try:
        with logging_to(sys.stderr, verbosity=0):
            threading.Thread(target=warm_up, name="warm-up", daemon=True).start()
            yield None
    finally:
        stop_embedded_servers()
        stop_persistent_servers()


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
