"""A Valkey or PostgreSQL that accepts connections and never answers: the worst way to be down.

Each page still shows its own figures; only the sections that need the silent server say so,
in a sentence. The management cache, the inference budget and the health history all have a
way around Valkey, so they give up on it quickly instead of holding every page up.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT
from tests.app.markup import seen
from tests.fault_servers import SilentServer, silent_server

# Per page: a metric that must still show, and the start of the one error it may show.
VALKEY_SILENT = {
    "overview.py": ("Month to date", "Valkey at redis://127.0.0.1:{port}/0 did not answer in time"),
    "instances.py": ("Instances shown", None),
    "databases.py": ("Databases shown", None),
    "valkey_health.py": (
        "Instances",
        "Could not load the connected Valkey. Valkey at redis://127.0.0.1:{port}/0 did not "
        "answer in time",
    ),
    "inference_chat.py": ("Inference tokens this month", None),
}
POSTGRES_SILENT = {
    "overview.py": ("Month to date", "PostgreSQL at 127.0.0.1:{port}/app did not answer in time"),
    "databases.py": (
        "Databases shown",
        "Could not load the connected PostgreSQL. PostgreSQL at 127.0.0.1:{port}/app did not "
        "answer in time",
    ),
    "valkey_health.py": ("Instances", None),
}


def run_page(name: str) -> AppTest:
    """The page on its own, without the router's first run of the Overview: each case pays
    for its own silent server once."""
    return AppTest.from_file(str(ROOT / "pages" / name), default_timeout=30).run()


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    with silent_server() as server:
        yield server


def assert_page(page: AppTest, metric: str, error: str | None, port: int) -> None:
    assert not page.exception
    figures = {shown.label: shown.value for shown in page.metric}
    assert figures.get(metric) not in (None, "", "—"), figures
    errors = [seen(shown.value) for shown in page.error]
    if error is None:
        assert errors == []
    else:
        (only,) = errors
        assert only.startswith(error.format(port=port)), only


SILENT_URLS = {
    "VALKEY_URL": "redis://127.0.0.1:{port}/0",
    "DATABASE_URL": "postgresql://monitor@127.0.0.1:{port}/app",
}
CASES = [
    *(("VALKEY_URL", name, *expected) for name, expected in VALKEY_SILENT.items()),
    *(("DATABASE_URL", name, *expected) for name, expected in POSTGRES_SILENT.items()),
]


@pytest.mark.parametrize(
    ("setting", "name", "metric", "error"),
    CASES,
    ids=[f"{setting}-{name}" for setting, name, *_ in CASES],
)
def test_a_silent_server_costs_only_its_own_sections(
    setting: str,
    name: str,
    metric: str,
    error: str | None,
    silent: SilentServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(setting, SILENT_URLS[setting].format(port=silent.port))
    assert_page(run_page(name), metric, error, silent.port)


def test_cache_tools_says_the_silent_valkey_did_not_answer(
    silent: SilentServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VALKEY_URL", SILENT_URLS["VALKEY_URL"].format(port=silent.port))
    page = run_page("cache_tools.py")
    assert not page.exception
    (error,) = page.error
    assert seen(error.value).startswith(
        f"Could not load the cache. Valkey at redis://127.0.0.1:{silent.port}/0 did not answer"
    )
