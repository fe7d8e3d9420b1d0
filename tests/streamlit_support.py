"""AppTest runs pages in the test's own process: each test starts from clean settings, caches
and shared clients; and what a hostile browser session can send to that process."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.script_data import ScriptData
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest

from ui.clients import close_shared_clients

NAVIGATION = Path(__file__).resolve().parents[1] / "ui" / "navigation.py"

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
    "INFERENCE_IDLE_S",
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
    close_shared_clients()
    try:
        yield
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
        close_shared_clients()


def send_clear_cache() -> None:
    """What Streamlit does when a browser session that never ran a page (so never signed in)
    sends "clear caches" over its websocket: a real AppSession handling the real BackMsg."""

    async def send() -> None:
        session = AppSession(
            ScriptData(str(NAVIGATION)),
            MemoryUploadedFileManager("/_stcore/upload_file"),
            ScriptCache(),
            None,
            {},
        )
        try:
            session.handle_backmsg(BackMsg(clear_cache=True))
        finally:
            session.shutdown()

    asyncio.run(send())


def everything(app: AppTest) -> str:
    """Every element the page sent, in protobuf text: tables and charts included."""

    def walk(node: Any) -> Iterator[str]:
        if getattr(node, "proto", None) is not None:
            yield str(node.proto)
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    return "\n".join([*walk(app.main), *walk(app.sidebar)])
