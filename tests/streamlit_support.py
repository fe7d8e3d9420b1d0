"""AppTest runs pages in the test's own process: each test starts from clean settings, caches
and shared clients; and what a hostile browser session can send to that process."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import streamlit as st
from psycopg import sql
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.script_data import ScriptData
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest

from ui.clients import close_shared_clients
from vultr_core.health.embedded import embedded_postgres_url

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
    "DASHBOARD_API_TOKEN",
    "HISTORY_DATABASE_URL",
    "HISTORY_DATA_DIR",
    "DASHBOARD_DATA_DIR",
    "HISTORY_APP_SNAPSHOTS",
    "BUDGETS",
    "ANOMALY_FACTOR",
    "ALERT_WEBHOOK_URL",
)


@cache
def session_data_dir() -> str:
    """A folder of this test session's own for what the app keeps on disk (closed invoices),
    removed at exit, never the machine's data folder."""
    folder = tempfile.mkdtemp(prefix="dashboard-data-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


@cache
def history_test_database() -> str:
    """A history database of this test session's own, on the tests' PostgreSQL, dropped at
    exit: with real keys and no ``HISTORY_DATABASE_URL`` the app would otherwise keep its
    history in the machine's data folder."""
    server = os.environ.get("TEST_DATABASE_URL") or embedded_postgres_url()
    name = f"dashboard_history_tests_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop() -> None:
        with (
            contextlib.suppress(psycopg.Error),
            psycopg.connect(server, autocommit=True, connect_timeout=5) as conn,
        ):
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    atexit.register(drop)
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}"))


@contextmanager
def fresh_streamlit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No setting from this machine, and no cached result or client from another test; the
    history in the session's own database, and no background snapshot (a test that wants one
    asks for it)."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HISTORY_DATABASE_URL", history_test_database())
    monkeypatch.setenv("HISTORY_APP_SNAPSHOTS", "0")
    monkeypatch.setenv("DASHBOARD_DATA_DIR", session_data_dir())
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

    # In a thread of its own: a browser test run earlier in this process (Playwright's sync
    # API) may have left an event loop marked running in the main thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, send()).result()


def everything(app: AppTest) -> str:
    """Every element the page sent, in protobuf text: tables and charts included."""

    def walk(node: Any) -> Iterator[str]:
        if getattr(node, "proto", None) is not None:
            yield str(node.proto)
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    return "\n".join([*walk(app.main), *walk(app.sidebar)])
