"""What every page starts with and shares: the sign-in gate, valid settings, and the results of
cached loaders with their errors and freshness.

Loaders are named ``load_*``; they call vultr_core and cache its results briefly. Pages never
do I/O themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui.clients import drop_shared_management_cache
from ui.settings import read_secrets, settings
from ui.text import inert
from vultr_core.api.advice import settings_advice
from vultr_core.api.errors import ConfigurationError, VultrError
from vultr_core.cache.tools import Operator
from vultr_core.config import Settings
from vultr_core.simulator.announce import answers_as_simulator
from vultr_core.spend.data import gather
from vultr_core.url_credentials import host_port

T = TypeVar("T")

# Inventory changes slowly and Vultr allows 30 requests/s: a minute is fresh enough, and the
# refresh button is there for the impatient.
INVENTORY_TTL_S = 60
# Whether a VULTR_API_URL is the served simulator changes only when someone restarts it.
SIMULATOR_PROBE_TTL_S = 300
_TOP_NOTICES = "_page_top_notices"


@dataclass
class TopNotices:
    """The place under a page's title for what every section would otherwise repeat (a
    refused key), and the sentences this run has put there, each once."""

    slot: DeltaGenerator
    said: list[str]


@dataclass(frozen=True)
class Loaded(Generic[T]):
    """A loader's result with the moment it was fetched, for "data as of" captions."""

    value: T
    fetched_at: datetime


def load_together(
    calls: Mapping[str, Callable[[], Loaded[Any]]], *, spinner: str
) -> dict[str, Loaded[Any] | VultrError]:
    """Several loaders at once; each name gets its result or its own error.

    The loaders run in worker threads (cached results are thread-safe), so they must not
    draw anything: one spinner here covers them all.
    """
    with st.spinner(spinner):
        return gather(calls)


def oldest(results: Mapping[str, Loaded[Any] | VultrError]) -> datetime:
    """When the oldest of these results was fetched ("data as of"); now if none loaded."""
    times = [result.fetched_at for result in results.values() if isinstance(result, Loaded)]
    return min(times, default=datetime.now(UTC))


def value(result: Loaded[T] | VultrError) -> T | None:
    """The loaded value, or None if it failed (for sections that do without it)."""
    return None if isinstance(result, VultrError) else result.value


def shown(result: Loaded[T] | VultrError, what: str) -> T | None:
    """The loaded value, or None after showing this section's error."""
    if isinstance(result, VultrError):
        render_error(what, result)
        return None
    return result.value


def render_error(what: str, error: VultrError) -> None:
    """One section's failure, in a sentence, without taking the page down.

    A failure the settings cause (a refused key, a VULTR_API_URL without /v2) is said once
    under the page's title instead, and the section only notes that it did not load.
    """
    try:
        advice = settings_advice(error, settings())
    except ConfigurationError:
        advice = None
    if advice is not None:
        render_settings_advice(advice, what, said=getattr(error, "api_message", None))
        return
    reason = str(error)
    st.error(
        f"Could not load {what}. {inert(reason[:1].upper() + reason[1:])}", icon=":material/error:"
    )


def render_settings_advice(advice: str, what: str, *, said: str | None = None) -> None:
    """``advice`` once under the page's title (with the API's own words, ``said``, such as
    the IP address a 403 names), and a muted note in this section.

    A fragment's rerun cannot add to the page's top: it shows the advice in its own place
    when the page's last full run did not say it (a key revoked since), else the note.
    """
    message = inert(advice) + (f" Vultr said: {inert(said)}" if said else "")
    notices = st.session_state.get(_TOP_NOTICES)
    in_fragment_rerun = bool(getattr(get_script_run_ctx(), "fragment_ids_this_run", None))
    if not isinstance(notices, TopNotices) or (in_fragment_rerun and advice not in notices.said):
        st.error(message, icon=":material/key_off:")
        return
    if advice not in notices.said:
        notices.said.append(advice)
        notices.slot.error(message, icon=":material/key_off:")
    st.caption(f":material/block: Could not load {what}: see the message at the top.")


def render_freshness(fetched_at: datetime, *loaders: Any, key: str) -> None:
    """ "Data as of …" with a refresh button that drops those loaders' cached results."""
    caption, button = st.columns([4, 1], vertical_alignment="center")
    caption.caption(
        f"Data as of {fetched_at:%H:%M:%S} UTC · refreshed at most every {INVENTORY_TTL_S} s"
    )
    if button.button("Refresh", key=key, icon=":material/refresh:", width="stretch"):
        for loader in loaders:
            loader.clear()
        drop_shared_management_cache(settings())
        st.rerun()


def _auth_provider(auth: object) -> str | None:
    """The provider to pass to st.login: None for a single ``[auth]`` provider, else the name
    of the first ``[auth.<name>]`` section."""
    if not isinstance(auth, dict) or "client_id" in auth:
        return None
    return next((name for name, value in auth.items() if isinstance(value, dict)), None)


def require_sign_in() -> None:
    """With an ``[auth]`` section in secrets, nobody passes without signing in (OIDC).

    Without one the app is open to whoever reaches it, and the sidebar says so.
    """
    auth = read_secrets().get("auth")
    if not auth:
        st.sidebar.caption(":material/lock_open: Open access: no sign-in is configured.")
        return
    if not st.user.is_logged_in:
        st.title("Vultr Dashboard")
        st.info("Sign in to see your team's Vultr spend and services.", icon=":material/lock:")
        provider = _auth_provider(auth)
        st.button(
            "Sign in",
            key="auth_sign_in",
            icon=":material/login:",
            on_click=st.login,
            args=() if provider is None else (provider,),
        )
        st.stop()
    st.sidebar.caption(
        f":material/person: Signed in as {inert(str(st.user.get('email', 'unknown')))}"
    )
    st.sidebar.button("Sign out", key="auth_sign_out", on_click=st.logout)


def signed_in_operator() -> Operator:
    """Who is signed in to this session, with the provider's ``email_verified`` claim: read
    afresh by each action that changes something, never carried over from an earlier run."""
    return Operator.from_claims(st.user.to_dict())


def start_page(title: str) -> Settings:
    """Every page's first line: sign-in, its title, valid settings (or a clear stop), the
    demo banner.

    This lives in each page rather than in app.py alone because Streamlit may run a file of
    ``pages/`` without the router: under AppTest, and on a fresh server's first request.
    """
    current = open_page(title)
    render_source_banner(current)
    return current


def open_page(title: str) -> Settings:
    """``start_page`` up to the demo banner: for a page that starts its requests first."""
    require_sign_in()
    st.title(title)
    st.session_state[_TOP_NOTICES] = TopNotices(st.container(), [])
    try:
        return settings()
    except ConfigurationError as error:
        st.error(f"The configuration needs fixing before this page can load. {inert(str(error))}")
        st.stop()


def render_source_banner(current: Settings) -> None:
    """Say when the figures are not the account's: demo mode, or a served simulator (which
    takes one request to its host to tell, never to Vultr's)."""
    if current.demo_mode:
        st.info(
            "**Demo mode**: these figures come from a simulated Vultr organisation, not your "
            "account. Set `VULTR_API_KEY` to see your own.",
            icon=":material/science:",
        )
    elif is_simulator(current.management_api_url):
        st.info(
            f"**Simulated Vultr** at {inert(host_port(current.management_api_url))} — not your "
            "account. `VULTR_API_URL` points at `python -m vultr_core simulator`; unset it to "
            "see your own.",
            icon=":material/science:",
        )


@st.cache_data(ttl=SIMULATOR_PROBE_TTL_S, max_entries=8, show_spinner=False)
def is_simulator(management_api_url: str) -> bool:
    """Whether the configured management API is the served simulator (asked without the
    key; never asked of Vultr's own host)."""
    return answers_as_simulator(management_api_url)
