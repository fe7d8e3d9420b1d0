"""The user name and password inside a URL, split out whatever characters the password holds.

``urlsplit`` ends the authority at the first ``/``, ``?`` or ``#``, so an unencoded one in a
password moves the rest of the password into the path, query or fragment, and a masking that
looks for the password where ``urlsplit`` put it shows it whole (or quotes a piece of it in
"Port could not be cast to integer value as …"). Here the user info is everything before the
last ``@`` after ``scheme://``, as libpq and valkey-py mean it; it is then percent-encoded
again, so the drivers read the URL we checked, and masked by rebuilding the URL without the
password, never by searching for the password in a string. An ``@`` in the path or query must
be written ``%40``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, unquote_to_bytes, urlsplit

from vultr_core.redaction import MASK

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_AUTHORITY_END = re.compile(r"[/?#]")
# Query parameters that carry a password: libpq reads both (sslpassword unlocks a client key).
_QUERY_SECRETS = frozenset({"password", "sslpassword"})


class UrlSyntaxError(ValueError):
    """A URL we cannot split; the message quotes no part of the URL."""


@dataclass(frozen=True)
class CredentialedUrl:
    """A URL with its user info split out, each part as it was typed."""

    scheme: str
    raw_username: str | None
    raw_password: str | None
    location: str
    remainder: str

    @property
    def password(self) -> str | None:
        return None if self.raw_password is None else unquote(self.raw_password)

    @property
    def secrets(self) -> tuple[str, ...]:
        """The passwords it carries, as typed and decoded, for redaction."""
        found = [self.raw_password, self.password, *_query_values(self.remainder)]
        return tuple(value for value in found if value)

    def normalised(self) -> str:
        """The same URL with its user info percent-encoded, as every driver parses it."""
        password = None if self.raw_password is None else _encoded(self.raw_password)
        return f"{self.scheme}://{self._userinfo(password)}{self.location}{self.remainder}"

    def masked(self) -> str:
        """The URL without its password (and without query passwords): safe to show."""
        password = None if self.raw_password is None else MASK
        query = _masked_query(self.remainder)
        return f"{self.scheme}://{self._userinfo(password)}{self.location}{query}"

    def _userinfo(self, password: str | None) -> str:
        if self.raw_username is None:
            return ""
        user = _encoded(self.raw_username)
        return f"{user}@" if password is None else f"{user}:{password}@"


def split_credentials(url: str) -> CredentialedUrl:
    """Split ``scheme://[user[:password]@]location[/path][?query][#fragment]``.

    Raises:
        UrlSyntaxError: a control character, or no ``scheme://``.
    """
    if _CONTROL.search(url):
        raise UrlSyntaxError("holds a control character (a line break or a tab?)")
    scheme, separator, rest = url.partition("://")
    if not separator or not _SCHEME.fullmatch(scheme):
        raise UrlSyntaxError("does not start with scheme:// (such as postgresql:// or https://)")
    userinfo, at, after = rest.rpartition("@")
    # No password and a / ? or # before the @: the @ is in the path or query, not user info.
    if not at or (":" not in userinfo and _AUTHORITY_END.search(userinfo)):
        return _without_userinfo(scheme, rest)
    raw_user, colon, typed = userinfo.partition(":")
    located = _without_userinfo(scheme, after)
    return CredentialedUrl(
        located.scheme, raw_user, typed if colon else None, located.location, located.remainder
    )


def mask_url_password(url: str) -> str:
    """The URL with its password replaced by ``***``, safe to show or log; a URL that cannot
    be split shows as its scheme alone."""
    try:
        return split_credentials(url).masked()
    except UrlSyntaxError:
        scheme = url.partition("://")[0]
        return f"{scheme}://{MASK}" if _SCHEME.fullmatch(scheme) else MASK


def without_userinfo(url: str) -> str:
    """The URL with no user name or password at all: for text meant to be copied (code)."""
    try:
        split = split_credentials(url)
    except UrlSyntaxError:
        return mask_url_password(url)
    return f"{split.scheme}://{split.location}{split.remainder}"


DEFAULT_PORTS = {"http": 80, "https": 443}


def host_port(url: str, *, with_default_port: bool = False) -> str:
    """Where a URL points, as ``host:port`` (an IPv6 host in brackets), never its user name or
    password; with ``with_default_port``, the scheme's port when the URL names none (enough to
    spot a wrong one)."""
    parts = urlsplit(without_userinfo(url))
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    port = parts.port or (DEFAULT_PORTS.get(parts.scheme) if with_default_port else None)
    return host if port is None else f"{host}:{port}"


def _without_userinfo(scheme: str, rest: str) -> CredentialedUrl:
    end = _AUTHORITY_END.search(rest)
    cut = end.start() if end else len(rest)
    return CredentialedUrl(scheme.lower(), None, None, rest[:cut], rest[cut:])


def _encoded(typed: str) -> str:
    """Percent-encoded for user info: decoded once (an escape typed stays that byte), then
    every byte outside the unreserved set escaped."""
    return quote(unquote_to_bytes(typed), safe="")


def _query_values(remainder: str) -> list[str]:
    query = remainder.partition("?")[2].partition("#")[0]
    return [
        unquote(value)
        for name, _, value in (part.partition("=") for part in query.split("&"))
        if name.lower() in _QUERY_SECRETS and value
    ]


def _masked_query(remainder: str) -> str:
    path, question, query = remainder.partition("?")
    if not question:
        return remainder
    query, hash_sign, fragment = query.partition("#")
    parts = [
        f"{name}={MASK}" if name.lower() in _QUERY_SECRETS else part
        for part in query.split("&")
        for name in (part.partition("=")[0],)
    ]
    return f"{path}?{'&'.join(parts)}{hash_sign}{fragment}"
