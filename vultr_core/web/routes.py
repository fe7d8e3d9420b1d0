"""The HTTP API's routes (Starlette), mounted by app.py beside the UI.

Each handler checks access, validates its input, then runs the blocking work in a thread
through a ``SingleFlight``: however many callers poll, Vultr is read once per cache period per
document and the health checks run once per few seconds. Reads go through the same shared
management client as the pages (with ``VALKEY_URL``, shared with other replicas too).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from vultr_core.api.errors import VultrError
from vultr_core.api.management import ManagementClient
from vultr_core.config import Settings
from vultr_core.health.checks import check_health
from vultr_core.health.service_health import HealthReport
from vultr_core.health.service_tests import RoundTripReport, test_services
from vultr_core.health.stats import get_stats
from vultr_core.health.text import health_document, round_trip_document
from vultr_core.json_document import json_document, labelled_demo
from vultr_core.web import documents
from vultr_core.web.access import AccessRule, authorised, require
from vultr_core.web.metrics import metrics_text
from vultr_core.web.openapi import openapi_document
from vultr_core.web.problems import RouteError, bad_request, problem_for
from vultr_core.web.single_flight import SingleFlight

PREFIX = "/api/vultr"
READS_TTL_S = 60.0
HEALTH_TTL_S = 5.0
# Vultr ids are UUIDs; regions are short codes; a tag is free text within reason.
DATABASE_ID = re.compile(r"[0-9A-Za-z-]{1,64}")
REGION = re.compile(r"[a-z]{2,8}[0-9]?")
MAX_TAG_CHARS = 255
NO_STORE = {"Cache-Control": "no-store"}
# Every route takes every method, so that a wrong one gets the API's JSON 405, not Starlette's.
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@dataclass(frozen=True)
class Backend:
    """What the routes need from the app: its settings, and the shared management client."""

    settings: Callable[[], Settings]
    management: Callable[[Settings], ManagementClient]
    sign_in_configured: Callable[[], bool]


Handler = Callable[[Request, Settings], Awaitable[Response]]


def api_routes(backend: Backend) -> list[Route]:
    """Every route of the API; any method but the route's own answers 405 in JSON."""
    reads: SingleFlight[Any] = SingleFlight(READS_TTL_S, max_entries=256)
    health: SingleFlight[HealthReport] = SingleFlight(HEALTH_TTL_S, max_entries=4)
    round_trips: SingleFlight[RoundTripReport] = SingleFlight(HEALTH_TTL_S, max_entries=4)

    def document(
        settings: Settings, key: tuple[str, ...], build: Callable[[ManagementClient], Any]
    ) -> Any:
        """One document per key and period, secrets masked once, when it is built; labelled
        with ``"demo"`` as the command line's ``--json`` is."""
        return reads.get(
            (settings.cache_key, *key),
            lambda: labelled_demo(
                json_document(build(backend.management(settings))), demo=settings.demo_mode
            ),
        )

    def health_report(settings: Settings) -> HealthReport:
        """The health check, run at most once per HEALTH_TTL_S for every caller."""
        return health.get(settings.cache_key, lambda: check_health(settings))

    def read(
        settings: Settings, key: tuple[str, ...], build: Callable[[ManagementClient], Any]
    ) -> Awaitable[Any]:
        return run_in_threadpool(document, settings, key, build)

    async def one_database(
        request: Request,
        settings: Settings,
        kind: str,
        build: Callable[[ManagementClient, str], Any],
    ) -> Response:
        database_id = _database_id(request)
        pending = read(settings, (kind, database_id), lambda client: build(client, database_id))
        try:
            return _json(await pending)
        except VultrError as error:
            raise problem_for(
                error, not_found=f"No database {database_id} in this account."
            ) from error

    async def health_route(request: Request, settings: Settings) -> Response:
        report = await run_in_threadpool(health_report, settings)
        status = 503 if report.any_down else 200
        if not authorised(_rule(backend, settings), request.headers.get("authorization")):
            return _json({"status": "down" if report.any_down else "up"}, status)
        return _json(json_document(health_document(report)), status)

    async def stats_route(request: Request, settings: Settings) -> Response:
        """The app's own pools, each service's figures from the (single-flight) health
        check: Valkey clients, memory and ops, PostgreSQL connections; the inference budget."""
        pools = await run_in_threadpool(get_stats, settings)
        report = await run_in_threadpool(health_report, settings)
        return _json(
            json_document(
                {
                    "pools": pools,
                    "services": {s.service: s.figures for s in report.services},
                    "inference_requests_per_minute": settings.inference_requests_per_minute,
                }
            )
        )

    async def test_route(request: Request, settings: Settings) -> Response:
        report = await run_in_threadpool(
            round_trips.get, settings.cache_key, lambda: test_services(settings)
        )
        return _json(json_document(round_trip_document(report)), 200 if report.all_passed else 503)

    async def account_route(request: Request, settings: Settings) -> Response:
        return _json(await read(settings, ("account",), documents.account_document))

    async def databases_route(request: Request, settings: Settings) -> Response:
        return _json(await read(settings, ("databases",), documents.databases_document))

    async def valkey_route(request: Request, settings: Settings) -> Response:
        return _json(
            await read(
                settings,
                ("valkey",),
                lambda client: documents.databases_document(client, engine="valkey"),
            )
        )

    async def database_route(request: Request, settings: Settings) -> Response:
        return await one_database(request, settings, "database", documents.database_document)

    async def database_health_route(request: Request, settings: Settings) -> Response:
        return await one_database(
            request, settings, "database-health", documents.database_health_document
        )

    async def instances_route(request: Request, settings: Settings) -> Response:
        region, tag = _instance_filters(request.query_params)
        return _json(
            await read(
                settings,
                ("instances", region or "", tag or ""),
                lambda client: documents.instances_document(client, region=region, tag=tag),
            )
        )

    async def summary_route(request: Request, settings: Settings) -> Response:
        return _json(await read(settings, ("summary",), documents.summary_document))

    async def metrics_route(request: Request, settings: Settings) -> Response:
        text = await run_in_threadpool(
            metrics_text,
            lambda: document(settings, ("summary",), documents.summary_document),
            lambda: health_report(settings),
        )
        return Response(text, media_type="text/plain; version=0.0.4", headers=NO_STORE)

    async def openapi_route(request: Request, settings: Settings) -> Response:
        return _json(openapi_document())

    table: Mapping[str, tuple[str, Handler, bool]] = {
        f"{PREFIX}/health": ("GET", health_route, False),
        f"{PREFIX}/stats": ("GET", stats_route, True),
        f"{PREFIX}/test": ("POST", test_route, True),
        f"{PREFIX}/management/account": ("GET", account_route, True),
        f"{PREFIX}/management/databases": ("GET", databases_route, True),
        f"{PREFIX}/management/databases/{{database_id}}": ("GET", database_route, True),
        f"{PREFIX}/management/databases/{{database_id}}/health": (
            "GET",
            database_health_route,
            True,
        ),
        f"{PREFIX}/management/valkey": ("GET", valkey_route, True),
        f"{PREFIX}/management/instances": ("GET", instances_route, True),
        f"{PREFIX}/management/summary": ("GET", summary_route, True),
        "/metrics": ("GET", metrics_route, True),
        f"{PREFIX}/openapi.json": ("GET", openapi_route, True),
    }
    return [
        *(
            Route(path, _guarded(backend, method, handler, needs_access), methods=ANY_METHOD)
            for path, (method, handler, needs_access) in table.items()
        ),
        Route(f"{PREFIX}/{{rest:path}}", _no_such_route, methods=ANY_METHOD),
    ]


async def _no_such_route(request: Request) -> Response:
    """Under the API's prefix, an unknown path is a JSON 404, never the UI's HTML page."""
    return _json(RouteError(404, "no_such_route", "No such route.").document(), 404)


def _guarded(
    backend: Backend, method: str, handler: Handler, needs_access: bool
) -> Callable[[Request], Awaitable[Response]]:
    """The handler behind the method, access and error rules every route shares."""

    async def endpoint(request: Request) -> Response:
        try:
            if request.method != method:
                raise RouteError(405, "method_not_allowed", f"Only {method} is allowed here.")
            settings = backend.settings()
            if needs_access:
                require(_rule(backend, settings), request.headers.get("authorization"))
            return await handler(request, settings)
        except RouteError as problem:
            headers = {"Allow": method} if problem.status == 405 else {}
            return _json(problem.document(), problem.status, headers)
        except VultrError as error:
            failure = problem_for(error)
            return _json(failure.document(), failure.status)

    return endpoint


def _rule(backend: Backend, settings: Settings) -> AccessRule:
    token = settings.dashboard_api_token
    return AccessRule(
        token=token.reveal() if token is not None else None,
        sign_in_configured=backend.sign_in_configured(),
    )


def _database_id(request: Request) -> str:
    database_id = str(request.path_params["database_id"])
    if not DATABASE_ID.fullmatch(database_id):
        raise bad_request("A database id is letters, digits and dashes (a UUID).")
    return database_id


def _instance_filters(query: Mapping[str, str]) -> tuple[str | None, str | None]:
    unknown = sorted(set(query) - {"region", "tag"})
    if unknown:
        raise bad_request("Unknown filter: the instances route takes region and tag.")
    region, tag = query.get("region") or None, query.get("tag") or None
    if region is not None and not REGION.fullmatch(region):
        raise bad_request("A region is a short code such as 'ewr' or 'fra'.")
    if tag is not None and (len(tag) > MAX_TAG_CHARS or not tag.isprintable()):
        raise bad_request(f"A tag is printable text of at most {MAX_TAG_CHARS} characters.")
    return region, tag


def _json(document: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return JSONResponse(document, status_code=status, headers={**NO_STORE, **(headers or {})})
