"""The sign-in gate: closed without a signed-in user when [auth] is configured, open otherwise."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.conftest import new_app, page_path

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
    assert len(page.dataframe) == 1


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
    assert "Signed in as ana@example.com" in sidebar_text(page)
    assert page.button(key="auth_sign_out").label == "Sign out"
    assert len(page.dataframe) == 1
