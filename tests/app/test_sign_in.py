"""The sign-in gate: closed without a signed-in user when [auth] is configured, open otherwise;
and what a visitor who never signed in can still send over the websocket."""

from __future__ import annotations

from datetime import UTC, datetime

from streamlit.testing.v1 import AppTest

from tests.app.conftest import new_app, page_path
from tests.streamlit_support import send_clear_cache
from ui import clients
from ui.text import inert
from vultr_core.config import Settings
from vultr_core.health import registry
from vultr_core.health.history import HealthSample

FIXED_AT = datetime(2026, 11, 17, 12, 0, tzinfo=UTC)

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "not-a-real-secret",
    "client_id": "dashboard",
    "client_secret": "not-a-real-secret",
    "server_metadata_url": "https://id.example/.well-known/openid-configuration",
}


def instances_page(*, auth: dict[str, object] | None, user: dict[str, object]) -> AppTest:
    app = new_app()
    if auth is not None:
        app.secrets["auth"] = auth
    app.user = user
    return app.run().switch_page(page_path("instances.py")).run()


def sidebar_text(app: AppTest) -> str:
    return " ".join(caption.value for caption in app.sidebar.caption)


def test_without_auth_the_app_is_open_and_says_so() -> None:
    page = instances_page(auth=None, user={"is_logged_in": False})
    assert not page.exception
    assert "Open access" in sidebar_text(page)
    assert [frame.key for frame in page.dataframe if frame.key] == ["inst_table"]


def test_with_auth_a_signed_out_visitor_sees_only_the_sign_in_button() -> None:
    page = instances_page(auth=AUTH, user={"is_logged_in": False})
    assert not page.exception
    assert page.button(key="auth_sign_in").label == "Sign in"
    assert len(page.dataframe) == 0
    assert not page.metric
    assert [title.value for title in page.title] == ["Vultr Dashboard"]


def test_with_auth_a_signed_in_user_sees_the_page_and_their_email() -> None:
    page = instances_page(auth=AUTH, user={"is_logged_in": True, "email": "ana@example.com"})
    assert not page.exception
    assert f"Signed in as {inert('ana@example.com')}" in sidebar_text(page)
    assert page.button(key="auth_sign_out").label == "Sign out"
    assert [frame.key for frame in page.dataframe if frame.key] == ["inst_table"]


def test_a_visitor_s_clear_caches_request_leaves_the_shared_clients_limiter_and_history() -> None:
    page = instances_page(auth=AUTH, user={"is_logged_in": False})
    assert page.button(key="auth_sign_in").label == "Sign in"
    current = Settings.from_env()
    management = clients.management_client(current)
    inference = clients.inference_client(current)
    history = registry.health_history(current)
    history.append([HealthSample(FIXED_AT, "clear-cache-test", "up", 1.0)])

    send_clear_cache()

    assert clients.management_client(current) is management
    assert management.account().name, "still open for the sessions that hold it"
    # The same client is the same rate limiter: its spent budget is not handed back.
    assert clients.inference_client(current) is inference
    assert inference.list_models()
    assert [s.at for s in registry.health_history(current).recent("clear-cache-test")] == [FIXED_AT]
    assert not instances_page(auth=None, user={"is_logged_in": False}).exception
