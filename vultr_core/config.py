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
from urllib.parse import urlsplit, urlunsplit

from vultr_core.api.errors import ConfigurationError
from vultr_core.inference.prices import ModelPrice, parse_prices

DEFAULT_MANAGEMENT_API_URL = "https://api.vultr.com/v2"
DEFAULT_INFERENCE_API_URL = "https://api.vultrinference.com/v1"
DEFAULT_INFERENCE_REQUESTS_PER_MINUTE = 60
DEFAULT_API_TIMEOUT_S = 30.0
DEFAULT_API_DEADLINE_S = 60.0
# A long reply from a large model takes minutes; a stream's read timeout is per chunk.
DEFAULT_INFERENCE_TIMEOUT_S = 120.0
DEFAULT_INFERENCE_DEADLINE_S = 180.0
DEMO_SIZES = ("empty", "small", "large")
DEFAULT_DEMO_SIZE = "small"
MASK = "***"

_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
_FALSE_WORDS = frozenset({"0", "false", "no", "off"})
_HTTP_SCHEMES = ("http", "https")
_POSTGRES_SCHEMES = ("postgres", "postgresql")
_VALKEY_SCHEMES = ("redis", "rediss", "valkey", "valkeys", "unix")


class Secret:
    """A string that never shows itself in repr, str, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The real value, for the one place that must send it (an Authorization header)."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def mask_url_password(url: str) -> str:
    """The URL with its password replaced by ``***``, safe to show or log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{host}{port}"))


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
    inference_timeout_s: float = DEFAULT_INFERENCE_TIMEOUT_S
    inference_deadline_s: float = DEFAULT_INFERENCE_DEADLINE_S
    demo_size: str = DEFAULT_DEMO_SIZE
    # Lower-case e-mail addresses allowed to run Cache Tools' destructive actions; empty: anyone.
    cache_admin_emails: frozenset[str] = frozenset()
    sources: tuple[str, ...] = field(default=(), compare=False)

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
            "inference_timeout_s": self.inference_timeout_s,
            "inference_deadline_s": self.inference_deadline_s,
            "demo_size": self.demo_size,
            "cache_admin_emails": sorted(self.cache_admin_emails),
        }
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

    __str__ = __repr__

    def _limits(self) -> tuple[float, ...]:
        return (
            self.api_timeout_s,
            self.api_deadline_s,
            self.inference_timeout_s,
            self.inference_deadline_s,
        )

    def may_change_cache(self, email: str | None) -> bool:
        """Whether this signed-in user (None: nobody signed in) may run destructive cache
        actions: anyone when CACHE_ADMIN_EMAILS is unset, else only the listed addresses."""
        if not self.cache_admin_emails:
            return True
        return email is not None and email.strip().lower() in self.cache_admin_emails

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
            management_api_key=_secret(
                merged.get("VULTR_API_KEY") or merged.get("VULTR_MANAGEMENT_API_KEY")
            ),
            management_api_url=_http_url(merged, "VULTR_API_URL", DEFAULT_MANAGEMENT_API_URL),
            inference_api_key=_secret(merged.get("VULTR_INFERENCE_API_KEY")),
            inference_api_url=_http_url(merged, "VULTR_INFERENCE_URL", DEFAULT_INFERENCE_API_URL),
            database_url=_service_url(merged, "DATABASE_URL", _POSTGRES_SCHEMES),
            valkey_url=_service_url(merged, "VALKEY_URL", _VALKEY_SCHEMES),
            force_demo=_flag(merged, "VULTR_DEMO"),
            inference_requests_per_minute=_positive_int(
                merged, "INFERENCE_REQUESTS_PER_MINUTE", DEFAULT_INFERENCE_REQUESTS_PER_MINUTE
            ),
            inference_prices=_prices(merged, "INFERENCE_PRICES", "INFERENCE_PRICES_AS_OF"),
            api_timeout_s=_positive_float(merged, "VULTR_API_TIMEOUT_S", DEFAULT_API_TIMEOUT_S),
            api_deadline_s=_positive_float(merged, "VULTR_API_DEADLINE_S", DEFAULT_API_DEADLINE_S),
            inference_timeout_s=_positive_float(
                merged, "INFERENCE_TIMEOUT_S", DEFAULT_INFERENCE_TIMEOUT_S
            ),
            inference_deadline_s=_positive_float(
                merged, "INFERENCE_DEADLINE_S", DEFAULT_INFERENCE_DEADLINE_S
            ),
            demo_size=_choice(merged, "VULTR_DEMO_SIZE", DEMO_SIZES, DEFAULT_DEMO_SIZE),
            cache_admin_emails=_emails(merged, "CACHE_ADMIN_EMAILS"),
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


def _secret(value: str | None) -> Secret | None:
    return None if value is None else Secret(value)


def _http_url(values: Mapping[str, str], name: str, default: str) -> str:
    url = values.get(name, default)
    parts = urlsplit(url)
    if parts.scheme not in _HTTP_SCHEMES or not parts.hostname:
        raise ConfigurationError(
            f"{name} must be an http(s) URL such as {default}, got {url!r}", setting=name
        )
    return url.rstrip("/")


def _service_url(values: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> Secret | None:
    url = values.get(name)
    if url is None:
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - urlsplit checks the port only when asked
    except ValueError as err:
        raise ConfigurationError(f"{name} is not a valid URL: {err}", setting=name) from None
    if parts.scheme not in schemes:
        raise ConfigurationError(
            f"{name} must start with one of {', '.join(s + '://' for s in schemes)}; "
            f"got {mask_url_password(url)!r}",
            setting=name,
        )
    if parts.scheme != "unix" and not parts.hostname and not parts.query:
        raise ConfigurationError(f"{name} has no host: {mask_url_password(url)!r}", setting=name)
    return Secret(url)


def _flag(values: Mapping[str, str], name: str) -> bool:
    word = values.get(name, "0").lower()
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
    raw = values.get(name)
    if raw is None:
        return default
    try:
        number = float(raw)
    except ValueError:
        number = 0.0
    if not 0 < number < float("inf"):
        raise ConfigurationError(
            f"{name} must be a positive number of seconds, got {raw!r}", setting=name
        )
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
