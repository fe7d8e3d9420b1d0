"""One exception tree for everything vultr_core raises.

::

    VultrError
    ├── ConfigurationError        a missing or malformed setting
    ├── ServiceError              PostgreSQL or Valkey answered, but with an error
    ├── RefusedError              we refuse an action: this user may not, or it would change
    │                             the app's own data (Cache Tools)
    ├── RequestCancelledError     the caller stopped a request (Stop) before it went out
    └── ApiError                  a service answered badly or not at all
        ├── AuthenticationError   401
        ├── PermissionDeniedError 403
        ├── NotFoundError         404
        ├── InvalidRequestError   400, 405, 422 and other 4xx
        ├── RateLimitError        429 (carries retry_after_s when known)
        ├── ServerError           5xx
        ├── MalformedResponseError  2xx whose body is not what the API documents
        │   ├── ResponseTooLargeError  a body past the size cap, a listing past its page cap
        │   └── InvalidIdError    an id from the API that cannot name a resource in a path
        ├── TimeoutError          no answer within the timeout or deadline (any service)
        └── ConnectionError       the network failed: refused, dropped, DNS (any service)
            └── TlsError          the server's certificate or TLS handshake was refused

Messages come from the API's own error text or from us, never from request headers; and every
message is redacted as it is made (``vultr_core.redaction``), so a key or password an API or a
driver echoes back cannot leak through an exception either.
"""

from __future__ import annotations

import builtins

from vultr_core.redaction import redact


class VultrError(Exception):
    """Base of every error vultr_core raises."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        message = redact(message)
        super().__init__(message)
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return self.message


class ConfigurationError(VultrError):
    """A setting is missing or malformed; the message names the setting."""

    def __init__(self, message: str, *, setting: str) -> None:
        super().__init__(message)
        self.setting = setting


class ServiceError(VultrError):
    """A database or cache answered with an error (a refused command, a failed query)."""


class RefusedError(VultrError):
    """We refuse to do it: the user may not, or it would write the app's own data. Nothing
    was changed; the message says why."""


class RequestCancelledError(VultrError):
    """The caller cancelled the call (the chat's Stop) while it waited to send or to retry:
    nothing more was sent."""


class ApiError(VultrError):
    """A service failed; ``status`` is the HTTP status (None when no response arrived, or
    for PostgreSQL and Valkey, which have none)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        api_message: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message, status=status)
        self.api_message = None if api_message is None else redact(api_message)
        self.method = method
        self.path = path


class AuthenticationError(ApiError):
    """401: the key is missing, wrong or revoked."""


class PermissionDeniedError(ApiError):
    """403: the key lacks the ACL, or the caller's IP is not allowed for it."""


class NotFoundError(ApiError):
    """404: the resource or route does not exist."""


class InvalidRequestError(ApiError):
    """400, 422 and other client errors: the request itself is wrong, retrying cannot help."""


class RateLimitError(ApiError):
    """429: too many requests; `retry_after_s` is the server's hint when it sent one."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = 429,
        api_message: str | None = None,
        method: str | None = None,
        path: str | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message, status=status, api_message=api_message, method=method, path=path)
        self.retry_after_s = retry_after_s


class ServerError(ApiError):
    """5xx: the API failed on its side."""


class MalformedResponseError(ApiError):
    """A success status with a body that is not the JSON the API documents."""


class ResponseTooLargeError(MalformedResponseError):
    """The answer grew past a cap we set (decoded bytes, or pages of one listing): reading
    on would only cost memory, so we stopped."""


class InvalidIdError(MalformedResponseError):
    """An id (from the API) that is empty, null, `.`/`..` or holds control characters: it
    cannot name a resource in a URL path, so no request is sent for it."""


class TimeoutError(ApiError, builtins.TimeoutError):
    """No answer within the per-request timeout or the total deadline."""


class ConnectionError(ApiError, builtins.ConnectionError):
    """The network failed: refused, reset, dropped or unresolvable."""


class TlsError(ConnectionError):
    """TLS failed: an untrusted or mismatched certificate, or a refused handshake. Retrying
    cannot help, so it is reported at once, with OpenSSL's reason."""


_CLIENT_ERRORS: dict[int, type[ApiError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
}


def error_class_for_status(status: int) -> type[ApiError]:
    """Map an HTTP status to its exception class; the one place this mapping lives."""
    if status in _CLIENT_ERRORS:
        return _CLIENT_ERRORS[status]
    if status >= 500:
        return ServerError
    return InvalidRequestError
