"""AppTest runs pages in the test's own process: each test starts from clean settings and caches."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import streamlit as st

SETTING_NAMES = (
    "VULTR_API_KEY",
    "VULTR_MANAGEMENT_API_KEY",
    "VULTR_API_URL",
    "VULTR_INFERENCE_API_KEY",
    "VULTR_INFERENCE_URL",
    "DATABASE_URL",
    "VALKEY_URL",
    "VULTR_DEMO",
    "INFERENCE_REQUESTS_PER_MINUTE",
    "INFERENCE_PRICES",
    "INFERENCE_PRICES_AS_OF",
    "VULTR_API_TIMEOUT_S",
    "VULTR_API_DEADLINE_S",
    "INFERENCE_TIMEOUT_S",
    "INFERENCE_DEADLINE_S",
    "VULTR_DEMO_SIZE",
    "CACHE_ADMIN_EMAILS",
)


@contextmanager
def fresh_streamlit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No setting from this machine, and no cached result or client from another test."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        yield
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
