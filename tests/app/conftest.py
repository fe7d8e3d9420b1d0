"""AppTest runs pages in this process: start every test from clean caches and environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from tests.streamlit_support import fresh_streamlit
from vultr_core import clients
from vultr_core.simulator import Faults, Simulator

ROOT = Path(__file__).resolve().parents[2]
# The UI's main script; app.py is the server entry around it (st.App), which AppTest cannot run.
NAVIGATION = ROOT / "ui" / "navigation.py"


@pytest.fixture(autouse=True)
def clean_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with fresh_streamlit(monkeypatch):
        yield


def new_app() -> AppTest:
    """The app from its main script, not yet run."""
    return AppTest.from_file(str(NAVIGATION), default_timeout=30)


def page_path(page: str) -> str:
    """A page file as AppTest's switch_page wants it: relative to the main script's folder."""
    return f"../pages/{page}"


def open_page(page: str) -> AppTest:
    """The app from its main script, switched to one page, after both runs finish."""
    return new_app().run().switch_page(page_path(page)).run()


class KeptMediaStorage(MemoryMediaFileStorage):
    """AppTest drops its media store after each run; keep the last one to read downloads."""

    last: MemoryMediaFileStorage | None = None

    def __init__(self, media_endpoint: str) -> None:
        super().__init__(media_endpoint)
        KeptMediaStorage.last = self


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch) -> Iterator[Simulator]:
    """A fresh demo organisation for this test, so its clock and faults are its own."""
    simulator = Simulator(size="small")
    monkeypatch.setitem(clients._demo_simulators, "small", simulator)
    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", KeptMediaStorage)
    yield simulator
    simulator.faults = Faults()


def downloaded_csv(page: AppTest, key: str) -> str:
    """The text a download button would hand the browser (needs the ``demo`` fixture)."""
    url = page.download_button(key=key).proto.url
    assert KeptMediaStorage.last is not None
    return KeptMediaStorage.last.get_file(url.rsplit("/", 1)[1]).content.decode()
