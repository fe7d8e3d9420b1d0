"""Every failure of an API request as one JSON shape, ``{"error": {"type", "message"}}``, with
the status a caller can act on. The message is the project's own sentence, never a traceback."""

from __future__ import annotations

from vultr_core.api.errors import (
    ApiError,
    ConfigurationError,
    NotFoundError,
    TimeoutError,
    VultrError,
)


class RouteError(Exception):
    """A request that cannot be answered: its HTTP status, a short type and a sentence."""

    def __init__(self, status: int, type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.type = type
        self.message = message

    def document(self) -> dict[str, dict[str, str]]:
        return {"error": {"type": self.type, "message": self.message}}


def bad_request(message: str) -> RouteError:
    return RouteError(400, "bad_request", message)


def problem_for(error: VultrError, *, not_found: str | None = None) -> RouteError:
    """The status for a failure of ours or of Vultr's: 503 when a setting is missing, 404 for
    an unknown resource (when the route names one), 504 when Vultr timed out, 502 otherwise."""
    if isinstance(error, ConfigurationError):
        return RouteError(503, "not_configured", str(error))
    if isinstance(error, NotFoundError) and not_found is not None:
        return RouteError(404, "not_found", not_found)
    if isinstance(error, TimeoutError):
        return RouteError(504, "upstream_timeout", str(error))
    if isinstance(error, ApiError):
        return RouteError(502, "upstream_error", str(error))
    return RouteError(502, "service_error", str(error))
