"""A URL's user info splits at the last @ whatever the password holds, and masks whole."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from psycopg.conninfo import conninfo_to_dict
from valkey.connection import parse_url

from vultr_core.url_credentials import (
    UrlSyntaxError,
    mask_url_password,
    split_credentials,
    without_userinfo,
)

# Each holds a character that ends urlsplit's authority early, or one it would misread.
PASSWORDS = [
    "4217#pwTAILhash",
    "4217/pwTAILslash",
    "4217?pwTAILquery",
    "pwHEAD#pwTAIL/x?y",
    "pw@TAILat@twice",
    "pw%zzTAILpercent",
    "pw%41TAILescape",
    "pwTAILnonascii-é-ü",
    "pw:TAILcolon",
]


@pytest.mark.parametrize("password", PASSWORDS)
def test_the_drivers_read_the_whole_password_from_the_normalised_url(password: str) -> None:
    split = split_credentials(f"postgresql://monitor:{password}@db.example:5432/app")
    assert (split.location, split.remainder) == ("db.example:5432", "/app")
    decoded = split.password
    assert decoded is not None
    assert conninfo_to_dict(split.normalised())["password"] == decoded
    valkey = split_credentials(f"rediss://default:{password}@cache.example:6380/0")
    assert parse_url(valkey.normalised())["password"] == decoded
    assert parse_url(valkey.normalised())["host"] == "cache.example"


@pytest.mark.parametrize("password", PASSWORDS)
def test_the_masked_url_holds_no_piece_of_the_password(password: str) -> None:
    masked = mask_url_password(f"postgresql://monitor:{password}@db.example:5432/app")
    assert masked == "postgresql://monitor:***@db.example:5432/app"
    assert "TAIL" not in masked
    assert quote(password, safe="") not in masked


def test_an_escape_typed_in_a_password_is_one_byte_not_three_characters() -> None:
    split = split_credentials("redis://u:%41%2540@h/0")
    assert split.password == "A%40"
    assert parse_url(split.normalised())["password"] == "A%40"


def test_an_at_sign_in_the_query_of_a_url_without_user_info_stays_in_the_query() -> None:
    split = split_credentials("postgresql:///app?host=/run&user=me@corp")
    assert split.raw_username is None
    assert split.remainder == "/app?host=/run&user=me@corp"


def test_query_passwords_are_secrets_and_masked() -> None:
    url = "postgresql://db.example/app?sslmode=require&password=pwQUERYsecret"
    assert split_credentials(url).secrets == ("pwQUERYsecret",)
    assert mask_url_password(url) == "postgresql://db.example/app?sslmode=require&password=***"


@pytest.mark.parametrize(
    "url", ["postgresql://u:pw\nTAIL@h/db", "redis://u:pw\tTAIL@h", "pw:TAIL@h", "://pwTAIL@h"]
)
def test_an_unsplittable_url_is_an_error_that_quotes_nothing(url: str) -> None:
    with pytest.raises(UrlSyntaxError) as caught:
        split_credentials(url)
    assert "TAIL" not in str(caught.value)
    assert "TAIL" not in mask_url_password(url)


def test_code_meant_to_be_copied_gets_the_url_without_any_user_info() -> None:
    assert without_userinfo("https://user:pw#TAIL@api.example/v1") == "https://api.example/v1"
    assert without_userinfo("https://api.example/v1") == "https://api.example/v1"
