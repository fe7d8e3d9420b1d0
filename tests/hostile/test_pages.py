"""Every page against every hostile mode, under AppTest as the fault matrix runs them: it
finishes, a page whose data Vultr made unusable says so in a sentence, hostile answers render as
text, and no traceback, secret or unbounded memory shows up. Model replies are sent through the
chat, where only they arrive.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import valkey
from streamlit.testing.v1 import AppTest

from tests.app.markup import rendered_markup, seen
from tests.hostile.cases import (
    CASES,
    HANG_AFTER_S,
    MEMORY_BOUND_MB,
    SANE,
    SECRETS,
    HostileCase,
)
from tests.hostile.conftest import HostileVultr, arm, peak_rss_mb, settings_for
from tests.outcome_table import Note
from tests.streamlit_support import everything, fresh_streamlit
from vultr_core.simulator.hostile_data import PLANTED
from vultr_core.simulator.inference_hostile import BEACON_HOST

ROOT = Path(__file__).resolve().parents[2]
PAGES = (
    "overview.py",
    "instances.py",
    "databases.py",
    "valkey_health.py",
    "inference_chat.py",
    "cache_tools.py",
)
# Cache Tools never asks Vultr, so no API failure reaches it.
NEVER_ASKS_VULTR = ("cache_tools.py",)
NOT_STREAMS = [case for case in CASES if case.kind != "stream"]
STREAMS = [case for case in CASES if case.kind == "stream"]


@pytest.fixture(scope="module")
def warmed(hostile_vultr: HostileVultr) -> None:
    """Every page rendered once against a sane Vultr, so that imports and first-use caches are
    paid before any case measures how much memory it took."""
    with pytest.MonkeyPatch.context() as monkeypatch, fresh_streamlit(monkeypatch):
        for name, value in settings_for(SANE, hostile_vultr).items():
            monkeypatch.setenv(name, value)
        for page in PAGES:
            AppTest.from_file(str(ROOT / "pages" / page), default_timeout=HANG_AFTER_S).run()


@pytest.fixture
def fresh_app(warmed: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with fresh_streamlit(monkeypatch):
        yield


def errors_of(app: AppTest) -> list[str]:
    return [seen(str(element.value)) for element in app.error]


def outcome(app: AppTest) -> str:
    if app.exception:
        return f"EXCEPTION {app.exception[0].value[:80]}"
    errors = errors_of(app)
    if not errors:
        return "no error, page rendered"
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{errors[0][:90]}{more}"


def check_common(app: AppTest, memory_before: float, *, allowed: tuple[str, ...] = ()) -> None:
    """No exception, bounded memory, no secret, no traceback, and no planted
    markup rendered but the ``allowed`` kinds."""
    assert not app.exception, app.exception[0].value
    assert peak_rss_mb() - memory_before < MEMORY_BOUND_MB
    shown = everything(app)
    assert [secret for secret in SECRETS if secret in shown] == []
    assert "Traceback" not in shown
    rendered = rendered_markup(app, PLANTED)
    assert [found for found in rendered if not found.endswith(allowed)] == []


@pytest.mark.parametrize("case", NOT_STREAMS, ids=lambda case: case.id)
@pytest.mark.parametrize("page", PAGES)
def test_a_page_survives_a_hostile_vultr(
    page: str,
    case: HostileCase,
    hostile: HostileVultr,
    postgres_url: str,
    valkey_url: str,
    valkey_client: valkey.Valkey,
    fresh_app: None,
    monkeypatch: pytest.MonkeyPatch,
    note: Note,
) -> None:
    for name, value in settings_for(
        case, hostile, database_url=postgres_url, valkey_url=valkey_url
    ).items():
        monkeypatch.setenv(name, value)
    arm(case, hostile)
    memory_before = peak_rss_mb()
    started = time.perf_counter()
    app = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=HANG_AFTER_S).run()
    seconds = time.perf_counter() - started
    note(f"page {page.removesuffix('.py')}", case.name, outcome(app), seconds)

    check_common(app, memory_before)
    broken = (
        case.kind in ("fails", "tls") and page not in case.spares and page not in NEVER_ASKS_VULTR
    )
    if broken:
        assert [e for e in errors_of(app) if re.search(case.says, e)], errors_of(app)


@pytest.mark.parametrize("case", STREAMS, ids=lambda case: case.id)
def test_a_hostile_model_reply_ends_and_renders_as_text(
    case: HostileCase,
    hostile: HostileVultr,
    fresh_app: None,
    monkeypatch: pytest.MonkeyPatch,
    note: Note,
) -> None:
    for name, value in settings_for(case, hostile).items():
        monkeypatch.setenv(name, value)
    app = AppTest.from_file(str(ROOT / "pages" / "inference_chat.py"), default_timeout=60).run()
    arm(case, hostile)
    memory_before = peak_rss_mb()
    started = time.perf_counter()
    app = app.chat_input(key="chat_prompt").set_value(f"hello {PLANTED}").run()
    seconds = time.perf_counter() - started
    note("page inference_chat (a reply)", case.name, outcome(app), seconds)

    # A reply is Markdown on purpose: its links may show, but nothing it holds may load.
    check_common(app, memory_before, allowed=("link", "autolink"))
    markdown = "\n".join(str(element.value) for element in app.markdown)
    assert not re.search(rf"(?<!\\)!\[[^\]]*\]\((?:https?:)?//{re.escape(BEACON_HOST)}", markdown)
    assert not re.search(rf"(?<!\\)<img[^>]*{re.escape(BEACON_HOST)}", markdown)
    if case.says:
        said = [*errors_of(app), *(seen(str(e.value)) for e in (*app.warning, *app.caption))]
        assert [line for line in said if re.search(case.says, line)], said
