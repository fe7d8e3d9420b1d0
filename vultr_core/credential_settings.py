"""Settings that carry credentials: API keys, API base URLs and service URLs, read so that no
error about them shows a key or a password.

A key must fit an HTTP header; an API base must carry no user info (the key is a setting of its
own); a service URL's user info is split at the last ``@`` and encoded again
(``vultr_core.url_credentials``), so a password may hold ``#``, ``/`` or ``?`` unencoded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from vultr_core.api.errors import ConfigurationError
from vultr_core.redaction import Secret
from vultr_core.url_credentials import UrlSyntaxError, split_credentials

HTTP_SCHEMES = ("http", "https")
# A key travels in an HTTP header: printable ASCII without spaces. httpx refuses anything else
# while sending (a UnicodeEncodeError, or h11's "Illegal header value" quoting the key).
_HEADER_TOKEN = re.compile(r"[!-~]+")


def url_passwords(url: str) -> tuple[str, ...]:
    """The passwords a service URL carries, for redaction; none if it cannot be split."""
    try:
        return split_credentials(url).secrets
    except UrlSyntaxError:
        return ()


def token_setting(values: Mapping[str, str], *names: str) -> Secret | None:
    """The first of ``names`` set, as a Secret; the error names the setting, never the key."""
    for name in names:
        value = values.get(name)
        if value is None:
            continue
        if not _HEADER_TOKEN.fullmatch(value):
            raise ConfigurationError(
                f"{name} holds a line break, a space, a control character or a non-ASCII "
                "letter, which an HTTP header cannot carry: copy the key again",
                setting=name,
            )
        return Secret(value)
    return None


def api_url_setting(values: Mapping[str, str], name: str, default: str) -> str:
    """An API base. User info is refused rather than stripped: Vultr takes its key as a bearer
    token, so a user or password there is a mistake, and httpx would send it as Basic auth."""
    url = values.get(name, default)
    try:
        if split_credentials(url).raw_username is not None:
            raise ConfigurationError(
                f"{name} must not hold a user name or password (the part before @): the API "
                "key is a setting of its own",
                setting=name,
            )
        parts = urlsplit(url)
        parts.port  # noqa: B018 - urlsplit checks the port only when asked
    except ValueError as err:  # with no user info, neither message can quote a password
        raise ConfigurationError(f"{name} is not a valid URL: {err}", setting=name) from None
    if parts.scheme not in HTTP_SCHEMES or not parts.hostname:
        raise ConfigurationError(
            f"{name} must be an http(s) URL such as {default}, got {url!r}", setting=name
        )
    return url.rstrip("/")


def service_url_setting(
    values: Mapping[str, str], name: str, schemes: tuple[str, ...]
) -> Secret | None:
    """The URL with its user info split at the last @ and percent-encoded again, so libpq and
    valkey-py read the password whole; errors quote the URL masked, or nothing of it."""
    url = values.get(name)
    if url is None:
        return None
    try:
        split = split_credentials(url)
    except UrlSyntaxError as err:
        raise ConfigurationError(f"{name} {err}", setting=name) from None
    if split.scheme not in schemes:
        raise ConfigurationError(
            f"{name} must start with one of {', '.join(s + '://' for s in schemes)}; "
            f"got {split.masked()!r}",
            setting=name,
        )
    try:
        parts = urlsplit(split.normalised())
        parts.port  # noqa: B018 - urlsplit checks the port only when asked
    except ValueError:
        raise ConfigurationError(
            f"{name} has an invalid host or port: {split.masked()!r}", setting=name
        ) from None
    if parts.scheme != "unix" and not parts.hostname and not parts.query:
        raise ConfigurationError(f"{name} has no host: {split.masked()!r}", setting=name)
    return Secret(split.normalised())
