"""Cache Tools' views of the app's Valkey cache: summary, keys, values and what a change would
delete, each cached for seconds and cleared after every change."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from ui.clients import cache_helper
from ui.page import Loaded
from ui.settings import settings
from vultr_core.cache.browser import (
    CacheSummary,
    KeyPage,
    KeyValue,
    browse_keys,
    read_value,
    summarise,
)
from vultr_core.cache.demo_seed import seed_demo_cache
from vultr_core.cache.store import CacheHelper
from vultr_core.cache.tags import KeyInfo, TagPreview
from vultr_core.cache.tools import CacheTools
from vultr_core.cache.valkey_calls import client_location
from vultr_core.config import Settings

# Each widget change reruns the page: a few seconds spare Valkey the same scans; actions clear them.
CACHE_VIEW_TTL_S = 5
CACHE_VIEW_ENTRIES = 32


@st.cache_data(ttl=CACHE_VIEW_TTL_S, show_spinner=False)
def load_cache_summary(cache_key: str, _settings: Settings) -> Loaded[CacheSummary]:
    return Loaded(summarise(cache_helper(_settings)), datetime.now(UTC))


@st.cache_data(ttl=CACHE_VIEW_TTL_S, max_entries=CACHE_VIEW_ENTRIES, show_spinner=False)
def load_cache_keys(
    cache_key: str, _settings: Settings, pattern: str, cursor: int
) -> Loaded[KeyPage]:
    page = browse_keys(cache_helper(_settings), pattern=pattern, cursor=cursor)
    return Loaded(page, datetime.now(UTC))


@st.cache_data(ttl=CACHE_VIEW_TTL_S, max_entries=CACHE_VIEW_ENTRIES, show_spinner=False)
def load_cache_value(cache_key: str, _settings: Settings, name: str) -> Loaded[KeyValue]:
    return Loaded(read_value(cache_helper(_settings), name), datetime.now(UTC))


@st.cache_data(ttl=CACHE_VIEW_TTL_S, max_entries=CACHE_VIEW_ENTRIES, show_spinner=False)
def load_tag_preview(cache_key: str, _settings: Settings, tag: str) -> Loaded[TagPreview]:
    return Loaded(cache_helper(_settings).preview_tag(tag), datetime.now(UTC))


@st.cache_data(ttl=CACHE_VIEW_TTL_S, max_entries=CACHE_VIEW_ENTRIES, show_spinner=False)
def load_keys_preview(
    cache_key: str, _settings: Settings, keys: tuple[str, ...]
) -> Loaded[list[KeyInfo]]:
    return Loaded(cache_helper(_settings).describe_keys(keys), datetime.now(UTC))


CACHE_LOADERS = (
    load_cache_summary,
    load_cache_keys,
    load_cache_value,
    load_tag_preview,
    load_keys_preview,
)


def cache_tools_now() -> CacheTools:
    """Cache Tools' actions with the settings as they are now: an action checks the admin list
    when it runs, not as it was when its button or dialog was drawn.

    Raises:
        ConfigurationError: the settings no longer read.
    """
    current = settings()
    return CacheTools(cache_helper(current), current)


def clear_cache_views() -> None:
    """After a change to the cache: every Cache Tools view reads Valkey again."""
    for loader in CACHE_LOADERS:
        loader.clear()


def seed_demo(current: Settings) -> None:
    """In demo mode on the throwaway local Valkey, sample keys and tags to look at; never in a
    configured VALKEY_URL, nor outside demo mode.

    Raises:
        ConnectionError, TimeoutError, ServiceError: Valkey failed.
    """
    if current.demo_mode and current.valkey_url is None and seed_demo_cache(cache_helper(current)):
        clear_cache_views()


def talking_to(current: Settings, helper: CacheHelper) -> str:
    """One line naming the Valkey the page works on: its address never carries a password."""
    where = f"Namespace `{helper.namespace}` on `{client_location(helper.client)}`"
    if current.valkey_url is not None:
        return f"{where} (`VALKEY_URL`)."
    sample = " with sample keys for the demo" if current.demo_mode else ""
    return (
        f"{where}: a throwaway local Valkey the app started{sample}, gone when the app stops. "
        "Set `VALKEY_URL` to use yours."
    )


def plural(count: int, noun: str) -> str:
    """The noun in the right number for ``count`` (the nouns here take an s)."""
    return noun if count == 1 else f"{noun}s"


def counted(count: int, noun: str) -> str:
    """``1 key``, ``3 keys``: a count with its noun in the right number."""
    return f"{count:,} {plural(count, noun)}"
