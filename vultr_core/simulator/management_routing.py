"""The plumbing every `/v2` handler shares: route templates, Vultr's error body, paged answers.

Kept apart from the handlers so each family of routes can raise `ApiError` and page its lists
the same way without importing the service that dispatches to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

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


UNKNOWN_ROUTE_MESSAGE = "Route not found."
"""The 404 text for a path no route serves. Vultr's own wording is undocumented; it only has to
differ from every missing-resource 404 ("Instance not found.", ...) so that tests can tell a
route the simulator lacks from an id the organisation lacks."""


class RouteNotFoundError(Exception):
    """No route template matches the path (as opposed to a route that cannot find its id)."""


class MethodNotAllowedError(Exception):
    """A route template matches the path, but not with this method."""


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    public: bool = False


class Router:
    """Finds the route for a path, segment by segment, in a tree of path templates.

    A literal segment beats a `{parameter}` at the same place, whatever order the table lists
    them in: `/object-storage/clusters` is never read as object storage "clusters". Parameters
    match one non-empty segment, so `/databases//usage` is no route at all.
    """

    def __init__(self, routes: list[Route]) -> None:
        self._root = _Node()
        for route in routes:
            node = self._root
            for part in _segments(route.template):
                if _is_parameter(part):
                    node.parameter = node.parameter or _Node()
                    node = node.parameter
                else:
                    node = node.literals.setdefault(part, _Node())
            if route.method in node.methods:
                raise ValueError(f"duplicate route {route.method} {route.template}")
            node.methods[route.method] = route

    def resolve(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """The route and its path parameters (`{a-b}` is returned as key `a_b`).

        Raises:
            RouteNotFoundError: no template matches `path`.
            MethodNotAllowedError: the most specific template matching `path` lacks `method`.
        """
        segments = _segments(path)
        node = _find(self._root, segments, 0)
        if node is None:
            raise RouteNotFoundError(path)
        route = node.methods.get(method)
        if route is None:
            raise MethodNotAllowedError(path)
        ids = {
            part[1:-1].replace("-", "_"): value
            for part, value in zip(_segments(route.template), segments, strict=True)
            if _is_parameter(part)
        }
        return route, ids


@dataclass
class _Node:
    """One segment position: literal children, one parameter child, and the routes ending here."""

    literals: dict[str, _Node] = field(default_factory=dict)
    parameter: _Node | None = None
    methods: dict[str, Route] = field(default_factory=dict)


def _find(node: _Node, segments: tuple[str, ...], index: int) -> _Node | None:
    """Depth first, literal child before parameter child: the earliest literal wins."""
    if index == len(segments):
        return node if node.methods else None
    segment = segments[index]
    literal = node.literals.get(segment)
    if literal is not None and (found := _find(literal, segments, index + 1)) is not None:
        return found
    if segment and node.parameter is not None:
        return _find(node.parameter, segments, index + 1)
    return None


def _segments(path: str) -> tuple[str, ...]:
    return tuple(path.split("/"))


def _is_parameter(part: str) -> bool:
    return part.startswith("{") and part.endswith("}")


def paged_response(key: str, listing: Listing, request: SimRequest) -> SimResponse:
    items, meta = listing.page(request)
    return SimResponse.json({key: items, "meta": meta})


def index_by_id(listing: Listing) -> dict[str, JsonObject]:
    """Items by their `id`, so single-object routes cost O(1) even on the large organisation."""
    return {str(item["id"]): item for item in listing.items if "id" in item}
