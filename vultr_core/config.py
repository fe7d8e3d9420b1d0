"""Settings: every knob of the app, read once at the edge (environment or st.secrets).

Nothing else in vultr_core reads ``os.environ``: the app and the command line build one
``Settings`` and pass it down.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from vultr_core.api.errors import ConfigurationError
from vultr_core.credential_settings import HTTP_SCHEMES as _HTTP_SCHEMES
from vultr_core.credential_settings import (
    api_url_setting,
    service_url_setting,
    token_setting,
    url_passwords,
)
from vultr_core.history.budget_setting import Budget, parse_budgets
from vultr_core.inference.prices import ModelPrice, parse_prices

# Secret and mask_url_password are re-exported: the rest of vultr_core imports them from here.
from vultr_core.redaction import Secret as Secret
from vultr_core.redaction import remember_secret
from vultr_core.url_credentials import mask_url_password as mask_url_password

DEFAULT_MANAGEMENT_API_URL = "https://api.vultr.com/v2"
DEFAULT_INFERENCE_API_URL = "https://api.vultrinference.com/v1"
DEFAULT_INFERENCE_REQUESTS_PER_MINUTE = 60
DEFAULT_API_TIMEOUT_S = 30.0
DEFAULT_API_DEADLINE_S = 60.0
# The largest management API answer, decoded (1 MB = 1,048,576 bytes): Vultr's largest page,
# 500 instances, is under 1 MB, so this only ever stops a hostile or broken server.
DEFAULT_API_MAX_RESPONSE_MB = 64
# A long reply from a large model takes minutes; a stream's read timeout is per chunk.
DEFAULT_INFERENCE_TIMEOUT_S = 120.0
DEFAULT_INFERENCE_DEADLINE_S = 180.0
# A stream with no event for this long is cut off: servers send a keep-alive comment while a
# model thinks, but tokens come many times a second once it writes.
DEFAULT_INFERENCE_IDLE_S = 30.0
DEMO_SIZES = ("empty", "small", "large")
DEFAULT_DEMO_SIZE = "small"
# A day whose spend is this many times its trailing median is an anomaly (history.anomalies).
DEFAULT_ANOMALY_FACTOR = 1.5

_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
_FALSE_WORDS = frozenset({"0", "false", "no", "off"})
_POSTGRES_SCHEMES = ("postgres", "postgresql")
_VALKEY_SCHEMES = ("redis", "rediss", "valkey", "valkeys", "unix")


@dataclass(frozen=True)
class Settings:
    """What the app and the command line need to know; secrets are ``Secret``s."""

    management_api_key: Secret | None = None
    management_api_url: str = DEFAULT_MANAGEMENT_API_URL
    inference_api_key: Secret | None = None
    inference_api_url: str = DEFAULT_INFERENCE_API_URL
    database_url: Secret | None = None
    valkey_url: Secret | None = None
    force_demo: bool = False
    inference_requests_per_minute: int = DEFAULT_INFERENCE_REQUESTS_PER_MINUTE
    # Overrides of inference_prices.DEFAULT_PRICES, dated by INFERENCE_PRICES_AS_OF.
    inference_prices: tuple[ModelPrice, ...] = ()
    # Per request (time to the next byte) and in total, retries included.
    api_timeout_s: float = DEFAULT_API_TIMEOUT_S
    api_deadline_s: float = DEFAULT_API_DEADLINE_S
    api_max_response_mb: int = DEFAULT_API_MAX_RESPONSE_MB
    inference_timeout_s: float = DEFAULT_INFERENCE_TIMEOUT_S
    inference_deadline_s: float = DEFAULT_INFERENCE_DEADLINE_S
    inference_idle_s: float = DEFAULT_INFERENCE_IDLE_S
    demo_size: str = DEFAULT_DEMO_SIZE
    # Lower-case e-mail addresses allowed to run Cache Tools' destructive actions; empty: anyone.
    cache_admin_emails: frozenset[str] = frozenset()
    # The bearer token the HTTP API asks for (vultr_core.web.access); None: see that module.
    dashboard_api_token: Secret | None = None
    # The PostgreSQL keeping the spend history (vultr_core.history.location); None: embedded,
    # its data in history_data_dir (None: the per-user data folder) unless in demo mode.
    history_database_url: Secret | None = None
    history_data_dir: Path | None = None
    # What the app keeps on this machine (closed invoices; the history unless the two above):
    # None: the per-user data folder (history.persistent.data_folder).
    data_dir: Path | None = None
    budgets: tuple[Budget, ...] = ()
    anomaly_factor: float = DEFAULT_ANOMALY_FACTOR
    # Whether the app itself takes the hourly snapshot when opened (off: a cron job takes them).
    history_app_snapshots: bool = True
    # Where alerts are posted (Slack-compatible): the URL is a credential, kept as a Secret.
    alert_webhook_url: Secret | None = None
    sources: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        # Redacted from all text from now on: the keys, and the passwords inside the URLs (a
        # whole URL is not a secret: its host must stay readable in messages).
        for key in (self.management_api_key, self.inference_api_key, self.dashboard_api_token):
            if key is not None:
                remember_secret(key.reveal())
        for url in (self.database_url, self.valkey_url, self.history_database_url):
            if url is not None:
                for password in url_passwords(url.reveal()):
                    remember_secret(password)
        if self.alert_webhook_url is not None:
            # A webhook URL is a credential whole, and so is its path (Slack's token).
            webhook = urlsplit(self.alert_webhook_url.reveal())
            remember_secret(self.alert_webhook_url.reveal())
            remember_secret(webhook.path + (f"?{webhook.query}" if webhook.query else ""))

    @property
    def demo_mode(self) -> bool:
        """True when the management API is the local simulator (no key, or VULTR_DEMO=1)."""
        return self.force_demo or self.management_api_key is None

    @property
    def demo_inference(self) -> bool:
        """True when inference goes to the simulator (no inference key, or VULTR_DEMO=1)."""
        return self.force_demo or self.inference_api_key is None

    @property
    def cache_key(self) -> str:
        """A digest that changes whenever any setting does, safe to use as a cache key:
        the secrets go in hashed, never as themselves."""
        values = [
            _reveal(self.management_api_key),
            self.management_api_url,
            _reveal(self.inference_api_key),
            self.inference_api_url,
            _reveal(self.database_url),
            _reveal(self.valkey_url),
            str(self.force_demo),
            str(self.inference_requests_per_minute),
            repr(self.inference_prices),
            repr(self._limits()),
            self.demo_size,
            ",".join(sorted(self.cache_admin_emails)),
            _reveal(self.dashboard_api_token),
            _reveal(self.history_database_url),
            str(self.history_data_dir or ""),
            repr(self.budgets),
            str(self.anomaly_factor),
            _reveal(self.alert_webhook_url),
        ]
        return hashlib.sha256("\x00".join(values).encode()).hexdigest()[:16]

    def __repr__(self) -> str:
        shown = {
            "management_api_key": self.management_api_key,
            "management_api_url": self.management_api_url,
            "inference_api_key": self.inference_api_key,
            "inference_api_url": self.inference_api_url,
            "database_url": _masked(self.database_url),
            "valkey_url": _masked(self.valkey_url),
            "force_demo": self.force_demo,
            "inference_requests_per_minute": self.inference_requests_per_minute,
            "inference_prices": self.inference_prices,
            "api_timeout_s": self.api_timeout_s,
            "api_deadline_s": self.api_deadline_s,
            "api_max_response_mb": self.api_max_response_mb,
            "inference_timeout_s": self.inference_timeout_s,
            "inference_deadline_s": self.inference_deadline_s,
            "inference_idle_s": self.inference_idle_s,
            "demo_size": self.demo_size,
            "cache_admin_emails": sorted(self.cache_admin_emails),
            "dashboard_api_token": self.dashboard_api_token,
            "history_database_url": _masked(self.history_database_url),
            "history_data_dir": str(self.history_data_dir) if self.history_data_dir else None,
            "data_dir": str(self.data_dir) if self.data_dir else None,
            "budgets": [f"{b.key}={b.monthly_usd:g}" for b in self.budgets],
            "anomaly_factor": self.anomaly_factor,
            "history_app_snapshots": self.history_app_snapshots,
            "alert_webhook_url": self.alert_webhook_url,
        }
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

    __str__ = __repr__

    def _limits(self) -> tuple[float, ...]:
        return (
            self.api_timeout_s,
            self.api_deadline_s,
            self.api_max_response_mb,
            self.inference_timeout_s,
            self.inference_deadline_s,
            self.inference_idle_s,
        )

    def may_change_cache(self, email: str | None, *, email_verified: bool | None = None) -> bool:
        """Whether this signed-in user (None: nobody signed in) may run destructive cache
        actions: anyone when CACHE_ADMIN_EMAILS is unset, else only the listed addresses, and
        only verified ones when the sign-in provider says (``email_verified``; None: it sends
        no such claim, and the address counts as it is)."""
        if not self.cache_admin_emails:
            return True
        if email is None or email_verified is False:
            return False
        return email.strip().lower() in self.cache_admin_emails

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from environment variables (``os.environ`` unless given)."""
        return cls.from_sources(os.environ if environ is None else environ)

    @classmethod
    def from_sources(
        cls, environ: Mapping[str, object], secrets: Mapping[str, object] | None = None
    ) -> Settings:
        """Settings from the environment and st.secrets; a name set in secrets wins.

        Raises:
            ConfigurationError: a value is malformed; the message names the setting.
        """
        merged: dict[str, str] = {}
        for source in (environ, secrets or {}):
            for name, value in source.items():
                text = str(value).strip() if isinstance(value, str | int | float) else ""
                if text:
                    merged[name] = text
        return cls(
            management_api_key=token_setting(merged, "VULTR_API_KEY", "VULTR_MANAGEMENT_API_KEY"),
            management_api_url=api_url_setting(merged, "VULTR_API_URL", DEFAULT_MANAGEMENT_API_URL),
            inference_api_key=token_setting(merged, "VULTR_INFERENCE_API_KEY"),
            inference_api_url=api_url_setting(
                merged, "VULTR_INFERENCE_URL", DEFAULT_INFERENCE_API_URL
            ),
            database_url=service_url_setting(merged, "DATABASE_URL", _POSTGRES_SCHEMES),
            valkey_url=service_url_setting(merged, "VALKEY_URL", _VALKEY_SCHEMES),
            force_demo=_flag(merged, "VULTR_DEMO"),
            inference_requests_per_minute=_positive_int(
                merged, "INFERENCE_REQUESTS_PER_MINUTE", DEFAULT_INFERENCE_REQUESTS_PER_MINUTE
            ),
            inference_prices=_prices(merged, "INFERENCE_PRICES", "INFERENCE_PRICES_AS_OF"),
            api_timeout_s=_positive_float(merged, "VULTR_API_TIMEOUT_S", DEFAULT_API_TIMEOUT_S),
            api_deadline_s=_positive_float(merged, "VULTR_API_DEADLINE_S", DEFAULT_API_DEADLINE_S),
            api_max_response_mb=_positive_int(
                merged, "VULTR_API_MAX_RESPONSE_MB", DEFAULT_API_MAX_RESPONSE_MB
            ),
            inference_timeout_s=_positive_float(
                merged, "INFERENCE_TIMEOUT_S", DEFAULT_INFERENCE_TIMEOUT_S
            ),
            inference_deadline_s=_positive_float(
                merged, "INFERENCE_DEADLINE_S", DEFAULT_INFERENCE_DEADLINE_S
            ),
            inference_idle_s=_positive_float(merged, "INFERENCE_IDLE_S", DEFAULT_INFERENCE_IDLE_S),
            demo_size=_choice(merged, "VULTR_DEMO_SIZE", DEMO_SIZES, DEFAULT_DEMO_SIZE),
            cache_admin_emails=_emails(merged, "CACHE_ADMIN_EMAILS"),
            dashboard_api_token=token_setting(merged, "DASHBOARD_API_TOKEN"),
            history_database_url=service_url_setting(
                merged, "HISTORY_DATABASE_URL", _POSTGRES_SCHEMES
            ),
            history_data_dir=_folder(merged, "HISTORY_DATA_DIR"),
            data_dir=_folder(merged, "DASHBOARD_DATA_DIR"),
            budgets=_budgets(merged, "BUDGETS"),
            anomaly_factor=_factor(merged, "ANOMALY_FACTOR", DEFAULT_ANOMALY_FACTOR),
            history_app_snapshots=_flag(merged, "HISTORY_APP_SNAPSHOTS", default=True),
            alert_webhook_url=_webhook_url(merged, "ALERT_WEBHOOK_URL"),
            sources=("environment", "secrets") if secrets else ("environment",),
        )


def read_secrets_file(path: Path) -> dict[str, object]:
    """The top-level values of a Streamlit ``secrets.toml``; empty when there is none.

    Raises:
        ConfigurationError: the file exists but is not valid TOML.
    """
    try:
        with path.open("rb") as handle:
            return dict(tomllib.load(handle))
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as err:
        # The decoder's message quotes a position, never the file's values.
        raise ConfigurationError(f"{path} is not valid TOML: {err}", setting=str(path)) from None


def _reveal(secret: Secret | None) -> str:
    return "" if secret is None else secret.reveal()


def _masked(url: Secret | None) -> str | None:
    return None if url is None else mask_url_password(url.reveal())


def _flag(values: Mapping[str, str], name: str, *, default: bool = False) -> bool:
    word = values.get(name, "1" if default else "0").lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise ConfigurationError(f"{name} must be 1 or 0 (true/false), got {word!r}", setting=name)


def _positive_int(values: Mapping[str, str], name: str, default: int) -> int:
    raw = values.get(name)
    if raw is None:
        return default
    try:
        number = int(raw)
    except ValueError:
        number = 0
    if number < 1:
        raise ConfigurationError(
            f"{name} must be a positive whole number, got {raw!r}", setting=name
        )
    return number


def _positive_float(values: Mapping[str, str], name: str, default: float) -> float:
    return _float_above(values, name, default, above=0.0, must_be="a positive number of seconds")


def _float_above(
    values: Mapping[str, str], name: str, default: float, *, above: float, must_be: str
) -> float:
    raw = values.get(name)
    if raw is None:
        return default
    try:
        number = float(raw)
    except ValueError:
        number = above
    if not above < number < float("inf"):
        raise ConfigurationError(f"{name} must be {must_be}, got {raw!r}", setting=name)
    return number


def _choice(values: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    word = values.get(name, default).lower()
    if word not in choices:
        raise ConfigurationError(
            f"{name} must be one of {', '.join(choices)}, got {word!r}", setting=name
        )
    return word


def _emails(values: Mapping[str, str], name: str) -> frozenset[str]:
    addresses = frozenset(
        part.strip().lower() for part in values.get(name, "").split(",") if part.strip()
    )
    malformed = sorted(address for address in addresses if "@" not in address)
    if malformed:
        raise ConfigurationError(
            f"{name} must be e-mail addresses separated by commas; {malformed[0]!r} is not one",
            setting=name,
        )
    return addresses


def _folder(values: Mapping[str, str], name: str) -> Path | None:
    raw = values.get(name)
    return None if raw is None else Path(raw).expanduser()


def _budgets(values: Mapping[str, str], name: str) -> tuple[Budget, ...]:
    try:
        return parse_budgets(values.get(name, ""))
    except ValueError as err:
        raise ConfigurationError(f"{name}: {err}", setting=name) from None


def _factor(values: Mapping[str, str], name: str, default: float) -> float:
    return _float_above(
        values,
        name,
        default,
        above=1.0,
        must_be="a number above 1 (how many times its trailing median a day's spend must be)",
    )


def _webhook_url(values: Mapping[str, str], name: str) -> Secret | None:
    """An http(s) URL; a credential, so no message quotes it."""
    url = values.get(name)
    if url is None:
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - urlsplit checks the port only when asked
    except ValueError:
        raise ConfigurationError(f"{name} is not a valid URL", setting=name) from None
    if parts.scheme not in _HTTP_SCHEMES or not parts.hostname:
        raise ConfigurationError(
            f"{name} must be an http(s) URL, such as a Slack incoming webhook", setting=name
        )
    return Secret(url)


def _prices(values: Mapping[str, str], name: str, date_name: str) -> tuple[ModelPrice, ...]:
    as_of: date | None = None
    if date_name in values:
        try:
            as_of = date.fromisoformat(values[date_name])
        except ValueError:
            raise ConfigurationError(
                f"{date_name} must be a date such as 2026-01-31, got {values[date_name]!r}",
                setting=date_name,
            ) from None
    try:
        return parse_prices(values.get(name, ""), as_of=as_of)
    except ValueError as err:
        raise ConfigurationError(f"{name}: {err}", setting=name) from None
