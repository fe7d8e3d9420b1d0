"""PostgreSQL URLs and failures in plain words, never showing the password.

A URL is split at the last ``@`` and its user info percent-encoded again before libpq reads
it (``vultr_core.url_credentials``): libpq ends the user info at the first ``@``, so an
unencoded ``@`` in a password would make the rest of it the host name, shown in every message.

Every failure becomes a ``VultrError`` saying what failed where: a refused port, a rejected
password, a full server, a server that never answers, a statement that outlives
``statement_timeout``.
"""

from __future__ import annotations

import psycopg
from psycopg.conninfo import conninfo_to_dict

from vultr_core.api.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectionError,
    PermissionDeniedError,
    ServiceError,
    TimeoutError,
    VultrError,
)
from vultr_core.redaction import Secret, redact
from vultr_core.url_credentials import UrlSyntaxError, split_credentials

# The two prefixes libpq reads as a URI; anything else is a key=value conninfo string.
_URL_PREFIXES = ("postgresql://", "postgres://")
_SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def describe_postgres(url: Secret | str) -> str:
    """'PostgreSQL at host:port/db' for messages: never the user's password."""
    try:
        params = conninfo_to_dict(_readable(_reveal(url)))
    except (psycopg.ProgrammingError, UrlSyntaxError):
        return "PostgreSQL (unreadable URL)"
    host = str(params.get("host") or "localhost")
    port = f":{params['port']}" if params.get("port") else ""
    return f"PostgreSQL at {host}{port}/{params.get('dbname') or params.get('user') or ''}"


def validated_conninfo(url: Secret | str) -> str:
    """The URL, checked the way libpq reads it, so a typo is a configuration error now
    rather than a pool retrying in the background.

    Raises:
        ConfigurationError: libpq cannot read it, or the port or sslmode is invalid.
    """
    raw = _reveal(url)
    try:
        raw = _readable(raw)
        params = conninfo_to_dict(raw)
    except UrlSyntaxError as err:
        raise ConfigurationError(f"DATABASE_URL {err}", setting="DATABASE_URL") from None
    except psycopg.ProgrammingError as err:
        reason = _scrub(str(err).strip(), raw)
        raise ConfigurationError(
            f"DATABASE_URL is not a PostgreSQL URL libpq can read: {reason}",
            setting="DATABASE_URL",
        ) from None
    port = str(params.get("port") or "5432")
    if not all(p.isdigit() and 0 < int(p) < 65536 for p in port.split(",")):
        raise ConfigurationError(
            f"DATABASE_URL has an invalid port {port!r}", setting="DATABASE_URL"
        )
    sslmode = params.get("sslmode")
    if sslmode is not None and sslmode not in _SSL_MODES:
        raise ConfigurationError(
            f"DATABASE_URL has sslmode={sslmode!r}; use one of {', '.join(_SSL_MODES)}",
            setting="DATABASE_URL",
        )
    return raw


def postgres_error(error: psycopg.Error, url: Secret | str, doing: str) -> VultrError:
    """Our error for a psycopg failure: what we were doing, where, in plain words."""
    where = describe_postgres(url)
    message = _scrub(str(error), _reveal(url))
    reason = _libpq_reason(message)
    lowered = reason.lower()
    if isinstance(error, psycopg.errors.ConnectionTimeout) or "timeout expired" in lowered:
        return TimeoutError(f"{where} did not answer in time while {doing}")
    if isinstance(error, psycopg.errors.QueryCanceled):
        return TimeoutError(f"{where} cancelled a query that ran too long while {doing}")
    if "authentication failed" in lowered or "password" in lowered or _is_unknown_role(lowered):
        return AuthenticationError(f"{where} rejected the user name or password: {reason}")
    if "too many" in lowered or "connection slots are reserved" in lowered:
        return ServiceError(
            f"{where} has no free connection slot (max_connections or the role's "
            f"CONNECTION LIMIT is reached): {reason}"
        )
    if isinstance(error, psycopg.errors.InsufficientPrivilege):
        return PermissionDeniedError(f"{where} denied {doing}: {reason}")
    if "ssl" in lowered:
        return ConnectionError(f"{where} and this app disagree on TLS (sslmode): {reason}")
    # A FATAL came from the server itself: it is up, and said no.
    if isinstance(error, psycopg.OperationalError) and "FATAL:" not in message:
        return ConnectionError(f"could not reach {where} while {doing}: {reason}")
    return ServiceError(f"{where} refused {doing}: {reason}")


def _reveal(url: Secret | str) -> str:
    return url.reveal() if isinstance(url, Secret) else url


def _readable(raw: str) -> str:
    """A URL with its user info encoded again, as libpq must read it; a ``key=value``
    conninfo as it is (libpq's own quoting delimits its password)."""
    if not raw.startswith(_URL_PREFIXES):
        return raw
    return split_credentials(raw).normalised()


def _scrub(text: str, raw_url: str) -> str:
    """Remove the password from a message, in every form: libpq quotes a URL it cannot
    parse whole, and this URL's password may not be a configured one (a test's, a caller's)."""
    passwords: tuple[str, ...] = ()
    try:
        if raw_url.startswith(_URL_PREFIXES):
            passwords = split_credentials(raw_url).secrets
        else:
            passwords = (str(conninfo_to_dict(raw_url).get("password") or ""),)
    except (UrlSyntaxError, psycopg.ProgrammingError):
        pass
    return redact(text, passwords)


def _is_unknown_role(lowered: str) -> bool:
    return lowered.startswith('role "') and lowered.endswith("does not exist")


def _libpq_reason(message: str) -> str:
    """The useful tail of a libpq message: 'Connection refused' rather than three lines
    that repeat the address."""
    first = message.strip().splitlines()[0] if message.strip() else message
    if " failed: " in first:
        first = first.rsplit(" failed: ", 1)[1]
    return first.replace("FATAL:  ", "").strip()
