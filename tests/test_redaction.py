"""A configured secret is masked in any text, in every form another program writes it."""

from __future__ import annotations

import io
import json
import logging
import re
from urllib.parse import quote, quote_plus

import pytest

from vultr_core.api.errors import AuthenticationError, ServiceError
from vultr_core.config import Settings
from vultr_core.redaction import MIN_SECRET_LENGTH, RedactingFilter, redact, remember_secret

# A line break, a quote, a backslash, reserved URL characters and non-ASCII letters.
SECRET = 'rdSENT#1/?@%zz "q" \\ é\nrdLINE2'


@pytest.fixture(scope="module", autouse=True)
def remembered() -> None:
    remember_secret(SECRET)


@pytest.mark.parametrize(
    "written",
    [
        SECRET,
        quote(SECRET, safe=""),
        re.sub(r"%[0-9A-F]{2}", lambda escape: escape.group().lower(), quote(SECRET, safe="")),
        quote(SECRET),
        quote_plus(SECRET),
        json.dumps(SECRET)[1:-1],
        json.dumps(SECRET, ensure_ascii=False)[1:-1],
        repr(SECRET)[1:-1],
        repr(SECRET.encode())[2:-1],
    ],
)
def test_every_form_of_a_remembered_secret_is_masked(written: str) -> None:
    text = redact(f"Illegal header value b'Bearer {written}' (retrying)")
    assert "rdSENT" not in text
    assert "rdLINE2" not in text
    assert text.startswith("Illegal header value b'Bearer ***")


def test_settings_remember_their_keys_and_url_passwords() -> None:
    Settings.from_env(
        {
            "VULTR_API_KEY": "rdMGMTKEY0001",
            "VULTR_INFERENCE_API_KEY": "rdINFKEY0002",
            "DATABASE_URL": "postgresql://u:rdPG#PASS/0003@db.example/app",
            "VALKEY_URL": "redis://u:rdVK?PASS@0004@cache.example/0",
        }
    )
    text = redact("rdMGMTKEY0001 rdINFKEY0002 rdPG%23PASS%2F0003 rdVK?PASS@0004")
    assert text == "*** *** *** ***"


def test_a_short_value_is_not_searched_for_but_the_host_of_a_url_stays_readable() -> None:
    short = "k" * (MIN_SECRET_LENGTH - 1)
    Settings.from_env({"VULTR_API_KEY": short, "VALKEY_URL": "redis://cache.example:6379/0"})
    assert redact(f"{short} at redis://cache.example:6379/0") == (
        f"{short} at redis://cache.example:6379/0"
    )


def test_an_error_is_redacted_as_it_is_made() -> None:
    error = AuthenticationError(
        f"GET /v2/account failed with HTTP 401: bad header Bearer {SECRET}",
        api_message=f"bad header Bearer {SECRET}",
    )
    assert "rdSENT" not in str(error)
    assert error.api_message == "bad header Bearer ***"
    assert "rdSENT" not in str(ServiceError(f"refused {quote(SECRET, safe='')}"))


def test_the_log_filter_masks_messages_arguments_and_tracebacks() -> None:
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("sending %s", f"Bearer {SECRET}")
        try:
            raise ValueError(f"Illegal header value {SECRET.encode()!r}")
        except ValueError:
            logger.exception("request failed")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    assert "sending Bearer ***" in written.getvalue()
    assert "ValueError: Illegal header value b'***'" in written.getvalue()
    assert "rdSENT" not in written.getvalue()
