"""The shared clients behind the loaders: the management API's, inference's, and the app's
Valkey cache helper.

One thread-safe object per distinct configuration for every session. They live in this module,
not in ``st.cache_resource``: any websocket client, signed in or not, may send Streamlit's "clear
caches" request, and Streamlit 1.67 obeys it unconditionally by releasing every cache resource
(``AppSession._handle_clear_cache_request``; ``client.toolbarMode`` only hides the menu entry).
That would close these clients under other users' requests and give the inference rate limiter a
fresh budget. Data caches (``st.cache_data``) may go: they refill.

The management client and the cache helper live together because, with Valkey configured, the
management client shares its reads through that Valkey, and every refresh drops them through the
app's cache helper.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

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
from vultr_core.inference.client import InferenceClient

T = TypeVar("T")


class _Shared(Generic[T]):
    """One object per configuration (``Settings.cache_key``), built on first use."""

    def __init__(self, build: Callable[[Settings], T], close: Callable[[T], None]) -> None:
        self._build = build
        self._close = close
        # Held while building, so concurrent first calls build one object, not several.
        self._lock = threading.Lock()
        self._made: dict[str, T] = {}

    def get(self, current: Settings) -> T:
        with self._lock:
            made = self._made.get(current.cache_key)
            if made is None:
                made = self._made[current.cache_key] = self._build(current)
            return made

    def close_all(self) -> None:
        with self._lock:
            made, self._made = self._made, {}
        for item in made.values():
            self._close(item)


def _new_management_client(current: Settings) -> ManagementClient:
    if current.valkey_url is not None:
        # A configured Valkey is shared by every replica: their reads are shared through it,
        # on connections of their own that give up quickly (the API is the way around).
        shared = connect_valkey(
            current.valkey_url,
            socket_timeout_s=FALLBACK_SOCKET_TIMEOUT_S,
            connect_timeout_s=FALLBACK_CONNECT_TIMEOUT_S,
        )
        return cached_management_client(current, CacheHelper(shared))
    return clients.management_client(current)


def _new_cache_helper(current: Settings) -> CacheHelper:
    return CacheHelper(connect_valkey(clients.valkey_url(current)))


def _close_cache_helper(helper: CacheHelper) -> None:
    helper.client.close()  # type: ignore[no-untyped-call]  # valkey-py leaves it unannotated


_management_clients = _Shared(_new_management_client, lambda client: client.close())
_inference_clients = _Shared(clients.inference_client, lambda client: client.close())
_cache_helpers = _Shared(_new_cache_helper, _close_cache_helper)


def management_client(current: Settings) -> ManagementClient:
    """One shared, thread-safe client per distinct configuration."""
    return _management_clients.get(current)


def inference_client(current: Settings) -> InferenceClient:
    """One shared client per configuration, so its rate limit covers every session."""
    return _inference_clients.get(current)


def cache_helper(current: Settings) -> CacheHelper:
    """The app's CacheHelper on VALKEY_URL (the embedded Valkey in demo mode)."""
    return _cache_helpers.get(current)


def close_shared_clients() -> None:
    """Close every shared client; the next call builds new ones (tests start from here)."""
    for shared in (_management_clients, _inference_clients, _cache_helpers):
        shared.close_all()


def drop_shared_management_cache(current: Settings) -> None:
    """Refresh means fresh for every replica: drop this account's shared management reads."""
    if current.valkey_url is None:
        return
    try:
        invalidate_management_cache(cache_helper(current), management_scope(current))
    except VultrError as error:
        st.toast(f"Could not clear the shared cache. {error}", icon=":material/warning:")
