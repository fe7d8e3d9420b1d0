"""The plumbing every `/v2` handler shares: route templates, Vultr's error body, paged answers.

Kept apart from the handlers so each family of routes can raise `ApiError` and page its lists
the same way without importing the service that dispatches to it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .messages import JsonObject, SimRequest, SimResponse
from .pagination import Listing

ERROR_MESSAGES = {
    400: "Invalid request.",
    401: "Invalid API token.",
    403: "Unauthorized IP address: 192.0.2.10",
    404: "Not found.",
    405: "Method not allowed.",
    422: "Validation error.",
    429: "Rate limit exceeded",
    500: "Internal server error.",
    502: "Bad gateway.",
    503: "Service temporarily unavailable, please try again later.",
    504: "Gateway timeout.",
}

Handler = Callable[[SimRequest, dict[str, str]], SimResponse]


def error_response(status: int, message: str | None = None) -> SimResponse:
    """Vultr's error body: `{"error": "<message>", "status": <status>}`."""
    text = message or ERROR_MESSAGES.get(status, f"HTTP error {status}.")
    return SimResponse.json({"error": text, "status": status}, status=status)


class ApiError(Exception):
    """Raised by a handler to answer with Vultr's error body."""

    def __init__(self, status: int, message: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    public: bool = False


def compile_route(template: str) -> re.Pattern[str]:
    """`/v2/instances/{id}` -> a regex with named groups (`{a-b}` becomes group `a_b`)."""
    regex = re.sub(
        r"\{([a-z-]+)\}", lambda m: f"(?P<{m.group(1).replace('-', '_')}>[^/]+)", template
    )
    return re.compile(f"^{regex}$")


def paged_response(key: str, listing: Listing, request: SimRequest) -> SimResponse:
    items, meta = listing.page(request)
    return SimResponse.json({key: items, "meta": meta})


def index_by_id(listing: Listing) -> dict[str, JsonObject]:
    """Items by their `id`, so single-object routes cost O(1) even on the large organisation."""
    return {str(item["id"]): item for item in listing.items if "id" in item}
