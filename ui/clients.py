"""The shared clients behind the loaders: the management API's, and the app's Valkey cache helper.

One thread-safe object per distinct configuration for every session (``st.cache_resource``),
closed when Streamlit releases it. The two live together because, with Valkey configured, the
management client shares its reads through that Valkey, and every refresh drops them through the
app's cache helper.
"""

from __future__ import annotations

import streamlit as st

from vultr_core import clients
from vultr_core.api.cached_management import (
    cached_management_client,
    invalidate_management_cache,
    management_scope,
)
from vultr_core.api.errors import VultrError
from vultr_core.api.management import ManagementClient
from vultr_core.cache.store import CacheHelper
from vultr_core.config import Settings
from vultr_core.health.valkey import (
    FALLBACK_CONNECT_TIMEOUT_S,
    FALLBACK_SOCKET_TIMEOUT_S,
    connect_valkey,
)


@st.cache_resource(show_spinner=False, on_release=lambda client: client.close())
def _management_client(cache_key: str, _settings: Settings) -> ManagementClient:
    if _settings.valkey_url is not None:
        # A configured Valkey is shared by every replica: their reads are shared through it,
        # on connections of their own that give up quickly (the API is the way around).
        shared = connect_valkey(
            _settings.valkey_url,
            socket_timeout_s=FALLBACK_SOCKET_TIMEOUT_S,
            connect_timeout_s=FALLBACK_CONNECT_TIMEOUT_S,
        )
        return cached_management_client(_settings, CacheHelper(shared))
    return clients.management_client(_settings)


def management_client(current: Settings) -> ManagementClient:
    """One shared, thread-safe client per distinct configuration."""
    return _management_client(current.cache_key, current)


@st.cache_resource(show_spinner=False, on_release=lambda helper: helper.client.close())
def _cache_helper(cache_key: str, _settings: Settings) -> CacheHelper:
    return CacheHelper(connect_valkey(clients.valkey_url(_settings)))


def cache_helper(current: Settings) -> CacheHelper:
    """The app's CacheHelper on VALKEY_URL (the embedded Valkey in demo mode)."""
    return _cache_helper(current.cache_key, current)


def drop_shared_management_cache(current: Settings) -> None:
    """Refresh means fresh for every replica: drop this account's shared management reads."""
    if current.valkey_url is None:
        return
    try:
        invalidate_management_cache(cache_helper(current), management_scope(current))
    except VultrError as error:
        st.toast(f"Could not clear the shared cache. {error}", icon=":material/warning:")
