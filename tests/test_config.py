from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest

from vultr_core.api.errors import ConfigurationError
from vultr_core.config import (
    DEFAULT_INFERENCE_API_URL,
    DEFAULT_MANAGEMENT_API_URL,
    Settings,
    read_secrets_file,
)

SENTINEL = "sentinel-secret-7f3a"


def test_no_keys_means_demo_mode_with_documented_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.demo_mode
    assert settings.demo_inference
    assert settings.management_api_url == DEFAULT_MANAGEMENT_API_URL
    assert settings.inference_api_url == DEFAULT_INFERENCE_API_URL
    assert settings.inference_requests_per_minute == 60
    assert settings.database_url is None
    assert settings.valkey_url is None


@pytest.mark.parametrize("name", ["VULTR_API_KEY", "VULTR_MANAGEMENT_API_KEY"])
def test_either_key_name_turns_demo_mode_off(name: str) -> None:
    settings = Settings.from_env({name: "abc"})
    assert not settings.demo_mode
    assert settings.management_api_key is not None
    assert settings.management_api_key.reveal() == "abc"


def test_vultr_api_key_wins_over_the_long_name() -> None:
    settings = Settings.from_env({"VULTR_API_KEY": "short", "VULTR_MANAGEMENT_API_KEY": "long"})
    assert settings.management_api_key is not None
    assert settings.management_api_key.reveal() == "short"


def test_vultr_demo_forces_demo_mode_even_with_keys() -> None:
    settings = Settings.from_env(
        {"VULTR_API_KEY": "k", "VULTR_INFERENCE_API_KEY": "i", "VULTR_DEMO": "1"}
    )
    assert settings.demo_mode
    assert settings.demo_inference


def test_secrets_win_over_the_environment() -> None:
    settings = Settings.from_sources(
        {"VULTR_API_URL": "https://env.example/v2", "INFERENCE_REQUESTS_PER_MINUTE": "10"},
        {"VULTR_API_URL": "https://secret.example/v2", "INFERENCE_REQUESTS_PER_MINUTE": 30},
    )
    assert settings.management_api_url == "https://secret.example/v2"
    assert settings.inference_requests_per_minute == 30


def test_empty_values_count_as_unset() -> None:
    settings = Settings.from_env({"VULTR_API_KEY": "  ", "DATABASE_URL": ""})
    assert settings.demo_mode
    assert settings.database_url is None


def test_secrets_are_masked_in_repr_and_str() -> None:
    settings = Settings.from_env(
        {
            "VULTR_API_KEY": SENTINEL,
            "VULTR_INFERENCE_API_KEY": SENTINEL,
            "DATABASE_URL": f"postgresql://app:{SENTINEL}@db.example:5432/app",
            "VALKEY_URL": f"rediss://default:{SENTINEL}@cache.example:6380/0",
        }
    )
    for text in (repr(settings), str(settings)):
        assert SENTINEL not in text
        assert "postgresql://app:***@db.example:5432/app" in text
        assert "rediss://default:***@cache.example:6380/0" in text


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("VULTR_API_URL", "api.vultr.com/v2"),
        ("VULTR_API_URL", "ftp://api.vultr.com/v2"),
        ("VULTR_INFERENCE_URL", "https://"),
        ("DATABASE_URL", "mysql://db.example/app"),
        ("DATABASE_URL", "postgresql://db.example:notaport/app"),
        ("VALKEY_URL", "http://cache.example:6379"),
        ("VALKEY_URL", "redis://"),
        ("VULTR_DEMO", "maybe"),
        ("INFERENCE_REQUESTS_PER_MINUTE", "0"),
        ("INFERENCE_REQUESTS_PER_MINUTE", "sixty"),
        ("VULTR_API_TIMEOUT_S", "0"),
        ("VULTR_API_DEADLINE_S", "-5"),
        ("INFERENCE_TIMEOUT_S", "nan"),
        ("INFERENCE_DEADLINE_S", "soon"),
        ("INFERENCE_IDLE_S", "0"),
        ("VULTR_DEMO_SIZE", "huge"),
        ("CACHE_ADMIN_EMAILS", "ops@example.com, bob"),
    ],
)
def test_a_malformed_setting_is_an_error_that_names_it(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({name: value})
    assert caught.value.setting == name
    assert name in str(caught.value)


def test_a_malformed_service_url_never_echoes_its_password() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({"DATABASE_URL": f"mysql://app:{SENTINEL}@db.example/app"})
    assert SENTINEL not in str(caught.value)
    assert "mysql://app:***@db.example/app" in str(caught.value)


def test_unix_socket_and_query_host_urls_are_accepted() -> None:
    settings = Settings.from_env(
        {"VALKEY_URL": "unix:///run/valkey.sock", "DATABASE_URL": "postgresql:///app?host=/run"}
    )
    assert settings.valkey_url is not None
    assert settings.database_url is not None


def test_secrets_file_is_read_and_a_broken_one_is_a_configuration_error(tmp_path: Path) -> None:
    good = tmp_path / "secrets.toml"
    good.write_text('VULTR_API_KEY = "from-file"\n[auth]\nredirect_uri = "x"\n')
    assert read_secrets_file(good)["VULTR_API_KEY"] == "from-file"
    assert read_secrets_file(tmp_path / "missing.toml") == {}
    broken = tmp_path / "broken.toml"
    broken.write_text(f'VULTR_API_KEY = "{SENTINEL}\n')
    with pytest.raises(ConfigurationError) as caught:
        read_secrets_file(broken)
    assert SENTINEL not in str(caught.value)


def test_nested_secret_sections_are_not_mistaken_for_settings() -> None:
    settings = Settings.from_sources({}, {"auth": {"client_secret": SENTINEL}})
    assert settings.demo_mode
    assert SENTINEL not in repr(settings)


def test_cache_key_follows_every_setting_but_never_shows_a_secret() -> None:
    base = Settings.from_env({"VULTR_API_KEY": SENTINEL})
    assert base.cache_key == Settings.from_env({"VULTR_API_KEY": SENTINEL}).cache_key
    assert base.cache_key != Settings.from_env({"VULTR_API_KEY": SENTINEL + "x"}).cache_key
    assert (
        base.cache_key
        != Settings.from_env({"VULTR_API_KEY": SENTINEL, "VULTR_DEMO": "1"}).cache_key
    )
    assert SENTINEL not in base.cache_key


def test_timeouts_and_demo_size_are_settings() -> None:
    current = Settings.from_env(
        {
            "VULTR_API_TIMEOUT_S": "2.5",
            "VULTR_API_DEADLINE_S": "4",
            "INFERENCE_TIMEOUT_S": "3",
            "INFERENCE_DEADLINE_S": "6",
            "INFERENCE_IDLE_S": "1.5",
            "VULTR_DEMO_SIZE": "Large",
        }
    )
    assert (current.api_timeout_s, current.api_deadline_s) == (2.5, 4.0)
    assert (current.inference_timeout_s, current.inference_deadline_s) == (3.0, 6.0)
    assert current.inference_idle_s == 1.5
    assert current.demo_size == "large"
    assert current.cache_key != Settings.from_env({}).cache_key


def test_the_cache_admin_list_decides_who_may_change_the_cache() -> None:
    anyone = Settings.from_env({})
    assert anyone.may_change_cache(None)
    listed = Settings.from_env({"CACHE_ADMIN_EMAILS": " Ops@Example.com ,ana@example.com"})
    assert listed.cache_admin_emails == {"ops@example.com", "ana@example.com"}
    assert listed.may_change_cache("OPS@example.com")
    assert not listed.may_change_cache("eve@example.com")
    assert not listed.may_change_cache(None)


# Each holds a character that ends urlsplit's authority early, or that it would misread.
HOSTILE_PASSWORDS = [
    "4217#cfgTAIL",
    "4217/cfgTAIL",
    "4217?cfgTAIL",
    "cfgHEAD#cfgTAIL",
    "cfgHEAD/cfgTAIL",
    "cfgHEAD?cfgTAIL",
    "cfgHEAD@cfgTAIL",
    "cfgHEAD%zzcfgTAIL",
    "cfgHEAD-é-cfgTAIL",
]
SERVICE_URLS = [
    ("DATABASE_URL", "postgresql://app:{}@db.example:5432/app"),
    ("VALKEY_URL", "rediss://default:{}@cache.example:6380/0"),
]


def shows_a_piece_of(text: str, password: str) -> bool:
    return any(piece in text for piece in ("cfgHEAD", "cfgTAIL", "4217", quote(password, safe="")))


@pytest.mark.parametrize("password", HOSTILE_PASSWORDS)
@pytest.mark.parametrize(("name", "template"), SERVICE_URLS)
def test_a_password_with_reserved_characters_is_read_whole_and_masked_whole(
    name: str, template: str, password: str
) -> None:
    settings = Settings.from_env({name: template.format(password)})
    assert template.format("***") in repr(settings)
    assert not shows_a_piece_of(repr(settings), password)
    url = settings.database_url if name == "DATABASE_URL" else settings.valkey_url
    assert url is not None
    assert unquote(urlsplit(url.reveal()).password or "") == password, "drivers read it whole"


@pytest.mark.parametrize(
    ("name", "scheme"), [("DATABASE_URL", "postgresql"), ("VALKEY_URL", "redis")]
)
@pytest.mark.parametrize(
    "template",
    [
        "{}://u:cfgHEAD\ncfgTAIL@h/0",
        "{}://u:cfgHEAD\tcfgTAIL@h/0",
        "{}://u:cfgHEAD#cfgTAIL@h:notaport/0",
        "{}://u:cfgHEAD/cfgTAIL@/0",
        "mysql://u:cfgHEAD/cfgTAIL@h/0",
    ],
)
def test_a_rejected_service_url_names_the_setting_and_quotes_no_piece_of_its_password(
    name: str, scheme: str, template: str
) -> None:
    url = template.format(scheme)
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({name: url})
    assert caught.value.setting == name
    assert name in str(caught.value)
    assert not shows_a_piece_of(str(caught.value), url)


@pytest.mark.parametrize("name", ["VULTR_API_URL", "VULTR_INFERENCE_URL"])
@pytest.mark.parametrize("userinfo", ["user:cfgHEAD", "user:cfgHEAD#cfgTAIL/v2?", "cfgHEAD"])
def test_user_info_in_an_api_url_is_refused_without_being_quoted(name: str, userinfo: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({name: f"https://{userinfo}@api.example/v2"})
    assert caught.value.setting == name
    assert "user name or password" in str(caught.value)
    assert not shows_a_piece_of(str(caught.value), userinfo)


@pytest.mark.parametrize(
    "name",
    ["VULTR_API_KEY", "VULTR_MANAGEMENT_API_KEY", "VULTR_INFERENCE_API_KEY", "DASHBOARD_API_TOKEN"],
)
@pytest.mark.parametrize(
    "key", ["cfgHEAD\ncfgTAIL", "cfgHEAD\x07cfgTAIL", "cfgHEAD-é-cfgTAIL", "cfgHEAD cfgTAIL"]
)
def test_a_key_no_http_header_can_carry_is_a_configuration_error(name: str, key: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({name: key})
    assert caught.value.setting == name
    assert name in str(caught.value)
    assert not shows_a_piece_of(str(caught.value), key)
