"""AppTest runs pages in this process: start every test from clean caches and environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
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
)


@pytest.fixture(autouse=True)
def clean_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def open_page(page: str) -> AppTest:
    """The app from its entry point, switched to one page, after both runs finish."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    return app.switch_page(f"pages/{page}").run()
