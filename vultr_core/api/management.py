"""Vultr management API v2 client: read-only, cursor-paged, typed.

It sends GET only, plus the one read the API serves as POST (database alerts). There is no
method that creates, changes or deletes anything, and no generic request method to add one.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx

from vultr_core.api.errors import MalformedResponseError, ResponseTooLargeError
from vultr_core.api.http import (
    DEFAULT_CONNECT_TIMEOUT_S,
    Clock,
    Limiter,
    RateLimiter,
    RetryPolicy,
    Sleep,
    build_http_client,
)
from vultr_core.api.json_api import JsonApi
from vultr_core.api.models.billing import (
    Account,
    AccountBandwidth,
    BillingHistoryItem,
    ChargeItem,
    Invoice,
)
from vultr_core.api.models.compute import BareMetal, Instance, MetalPlan, Plan, Region
from vultr_core.api.models.databases import (
    ConnectionPools,
    Database,
    DatabaseAlert,
    DatabaseBackups,
    DatabasePlan,
    DatabaseUsage,
    normalise_engine,
)
from vultr_core.api.models.inference import InferenceSubscription, InferenceUsage
from vultr_core.api.models.kubernetes import KubernetesCluster
from vultr_core.api.models.networking import LoadBalancer, ReservedIp
from vultr_core.api.models.storage import BlockStorage, ObjectStorage, Snapshot
from vultr_core.api.parsing import mapping, mappings
from vultr_core.api.paths import id_segment
from vultr_core.config import (
    DEFAULT_API_MAX_RESPONSE_MB,
    DEFAULT_API_TIMEOUT_S,
    DEFAULT_MANAGEMENT_API_URL,
)
from vultr_core.redaction import Secret

T = TypeVar("T")
Params = Mapping[str, str | int | None]

MAX_PER_PAGE = 500
# Vultr answers 429 above 30 requests per second per IP (vultr-api.md §1.4). A bucket of
# 20/s with a burst of 9 lets at most 29 through in any one-second window, as 24/s with a
# burst of 5 did, but a page's first wave sooner: the Overview's 18 inventory and headline
# requests all leave within 0.45 s instead of 0.54 s (BENCHMARKS.md, issue 14's fourth pass).
MANAGEMENT_REQUESTS_PER_S = 20.0
MANAGEMENT_BURST = 9
ALERT_PERIODS = ("day", "week", "month", "year")
# A listing may grow while it is paged: allow this many pages beyond what meta.total needs
# (or a tenth more, if that is larger), and never more than MAX_PAGES_PER_LISTING, whatever
# meta.total claims (200 pages of 500 is 100,000 items).
EXTRA_PAGES = 2
MAX_PAGES_PER_LISTING = 200


class ManagementClient:
    """Typed, read-only access to the management API; safe to share between threads."""

    def __init__(
        self,
        api_key: Secret | str | None,
        *,
        base_url: str = DEFAULT_MANAGEMENT_API_URL,
        transport: httpx.BaseTransport | None = None,
        per_page: int = MAX_PER_PAGE,
        retry: RetryPolicy | None = None,
        limiter: Limiter | None = None,
        connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
        read_timeout_s: float = DEFAULT_API_TIMEOUT_S,
        max_response_mb: int = DEFAULT_API_MAX_RESPONSE_MB,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        key = Secret(api_key) if isinstance(api_key, str) else api_key
        self.per_page = per_page
        self._api = JsonApi(
            build_http_client(
                base_url,
                key,
                transport=transport,
                connect_timeout_s=connect_timeout_s,
                read_timeout_s=read_timeout_s,
            ),
            limiter=limiter
            or RateLimiter(MANAGEMENT_REQUESTS_PER_S, MANAGEMENT_BURST, clock=clock, sleep=sleep),
            retry=retry,
            max_response_mb=max_response_mb,
            clock=clock,
            sleep=sleep,
            rng=rng,
        )

    def close(self) -> None:
        self._api.close()

    def __enter__(self) -> ManagementClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Account and billing

    def account(self) -> Account:
        return Account.from_api(self._object("account", "account"))

    def account_bandwidth(self) -> AccountBandwidth:
        return AccountBandwidth.from_api(self._object("account/bandwidth", "bandwidth"))

    def billing_history(self) -> list[BillingHistoryItem]:
        return self._paged("billing/history", "billing_history", BillingHistoryItem.from_api)

    def invoices(self) -> list[Invoice]:
        return self._paged("billing/invoices", "billing_invoices", Invoice.from_api)

    def invoice(self, invoice_id: int | str) -> Invoice:
        path = f"billing/invoices/{id_segment(invoice_id, 'invoice')}"
        return Invoice.from_api(self._object(path, "billing_invoice"))

    def invoice_items(self, invoice_id: int | str) -> list[ChargeItem]:
        path = f"billing/invoices/{id_segment(invoice_id, 'invoice')}/items"
        return self._paged(path, "invoice_items", ChargeItem.from_api)

    def pending_charges(self) -> list[ChargeItem]:
        """This month's charges so far, line by line (one call: the route has no pages)."""
        return self._unpaged("billing/pending-charges", "pending_charges", ChargeItem.from_api)

    # Compute

    def instances(
        self,
        *,
        tag: str | None = None,
        label: str | None = None,
        main_ip: str | None = None,
        region: str | None = None,
        firewall_group_id: str | None = None,
    ) -> list[Instance]:
        filters = {
            "tag": tag,
            "label": label,
            "main_ip": main_ip,
            "region": region,
            "firewall_group_id": firewall_group_id,
        }
        return self._paged("instances", "instances", Instance.from_api, filters)

    def instance(self, instance_id: str) -> Instance:
        path = f"instances/{id_segment(instance_id, 'instance')}"
        return Instance.from_api(self._object(path, "instance"))

    def plans(self, *, plan_type: str | None = None, os: str | None = None) -> list[Plan]:
        return self._paged("plans", "plans", Plan.from_api, {"type": plan_type, "os": os})

    def metal_plans(self) -> list[MetalPlan]:
        return self._paged("plans-metal", "plans_metal", MetalPlan.from_api)

    def regions(self) -> list[Region]:
        return self._paged("regions", "regions", Region.from_api)

    def bare_metals(self) -> list[BareMetal]:
        return self._paged("bare-metals", "bare_metals", BareMetal.from_api)

    def kubernetes_clusters(self) -> list[KubernetesCluster]:
        return self._paged("kubernetes/clusters", "vke_clusters", KubernetesCluster.from_api)

    # Storage and network

    def block_storage(self) -> list[BlockStorage]:
        return self._paged("blocks", "blocks", BlockStorage.from_api)

    def object_storage(self) -> list[ObjectStorage]:
        return self._paged("object-storage", "object_storages", ObjectStorage.from_api)

    def snapshots(self, *, description: str | None = None) -> list[Snapshot]:
        return self._paged(
            "snapshots", "snapshots", Snapshot.from_api, {"description": description}
        )

    def load_balancers(self) -> list[LoadBalancer]:
        return self._paged("load-balancers", "load_balancers", LoadBalancer.from_api)

    def reserved_ips(self) -> list[ReservedIp]:
        return self._paged("reserved-ips", "reserved_ips", ReservedIp.from_api)

    # Managed databases (lists are not paged: vultr-api.md §1.5)

    def databases(
        self,
        *,
        label: str | None = None,
        tag: str | None = None,
        region: str | None = None,
        engine: str | None = None,
    ) -> list[Database]:
        """Managed databases; ``engine`` filters here, because the API has no such filter."""
        filters = {"label": label, "tag": tag, "region": region}
        found = self._unpaged("databases", "databases", Database.from_api, filters)
        if engine is None:
            return found
        wanted = normalise_engine(engine)
        return [database for database in found if database.engine == wanted]

    def database(self, database_id: str) -> Database:
        return Database.from_api(self._object(_database_path(database_id), "database"))

    def database_usage(self, database_id: str) -> DatabaseUsage:
        path = _database_path(database_id, "usage")
        return DatabaseUsage.from_api(self._object(path, "usage"))

    def database_alerts(self, database_id: str, *, period: str = "day") -> list[DatabaseAlert]:
        """Alerts of the last day, week, month or year: a read the API serves as POST."""
        if period not in ALERT_PERIODS:
            raise ValueError(f"period must be one of {', '.join(ALERT_PERIODS)}")
        path = _database_path(database_id, "alerts")
        body = self._api.request_json("POST", path, json_body={"period": period})
        return [DatabaseAlert.from_api(a) for a in _list_under(body, "alerts", f"POST /{path}")]

    def database_backups(self, database_id: str) -> DatabaseBackups:
        """Latest and oldest backup; this route answers without a wrapper key."""
        path = _database_path(database_id, "backups")
        body = self._api.request_json("GET", path)
        return DatabaseBackups.from_api(_object_body(body, path))

    def database_maintenance(self, database_id: str) -> list[str]:
        """Pending maintenance updates; an empty list means nothing is pending."""
        body = self._api.request_json("GET", _database_path(database_id, "maintenance"))
        updates = mapping(body).get("available_updates")
        return [str(update) for update in updates] if isinstance(updates, list) else []

    def database_connection_pools(self, database_id: str) -> ConnectionPools:
        """PostgreSQL only: connection use and PgBouncer pools."""
        path = _database_path(database_id, "connection-pools")
        body = self._api.request_json("GET", path)
        return ConnectionPools.from_api(_object_body(body, path))

    def database_plans(
        self, *, engine: str | None = None, nodes: int | None = None, region: str | None = None
    ) -> list[DatabasePlan]:
        filters = {"engine": engine, "nodes": nodes, "region": region}
        return self._unpaged("databases/plans", "plans", DatabasePlan.from_api, filters)

    # Serverless Inference subscriptions (no pages, no meta: vultr-api.md §2.17)

    def inference_subscriptions(self) -> list[InferenceSubscription]:
        return self._unpaged("inference", "subscriptions", InferenceSubscription.from_api)

    def inference_subscription(self, subscription_id: str) -> InferenceSubscription:
        path = f"inference/{id_segment(subscription_id, 'inference subscription')}"
        return InferenceSubscription.from_api(self._object(path, "subscription"))

    def inference_usage(self, subscription_id: str) -> InferenceUsage:
        path = f"inference/{id_segment(subscription_id, 'inference subscription')}/usage"
        return InferenceUsage.from_api(self._object(path, "usage"))

    # Transport helpers

    def _object(self, path: str, top_key: str) -> Mapping[str, Any]:
        body = self._api.request_json("GET", path)
        value = mapping(body).get(top_key)
        if not isinstance(value, Mapping):
            raise MalformedResponseError(
                f"GET /{path} answered without the {top_key!r} object the API documents"
            )
        return value

    def _unpaged(
        self,
        path: str,
        top_key: str,
        parse: Callable[[Mapping[str, Any]], T],
        filters: Params | None = None,
    ) -> list[T]:
        body = self._api.request_json("GET", path, params=_present(filters))
        return [parse(item) for item in _list_under(body, top_key, f"GET /{path}")]

    def _paged(
        self,
        path: str,
        top_key: str,
        parse: Callable[[Mapping[str, Any]], T],
        filters: Params | None = None,
    ) -> list[T]:
        """Every item of a cursor-paged list: follow ``meta.links.next`` until it is empty,
        for no more pages than the first page's ``meta.total`` needs (page_limit)."""
        params: dict[str, str | int] = {**_present(filters), "per_page": self.per_page}
        seen_cursors: set[str] = set()
        items: list[T] = []
        limit = pages = 0
        while True:
            body = self._api.request_json("GET", path, params=params)
            pages += 1
            page = _list_under(body, top_key, f"GET /{path}")
            items.extend(parse(item) for item in page)
            meta = mapping(mapping(body).get("meta"))
            limit = limit or page_limit(meta.get("total"), len(page))
            cursor = mapping(meta.get("links")).get("next")
            if not isinstance(cursor, str) or not cursor:
                return items
            if cursor in seen_cursors:
                raise MalformedResponseError(
                    f"GET /{path} sent the same page cursor twice; stopping to avoid a loop"
                )
            if pages >= limit:
                total = meta.get("total")
                claimed = f" (meta.total says {total})" if isinstance(total, int) else ""
                raise ResponseTooLargeError(
                    f"GET /{path} still had a next page after {pages} pages and "
                    f"{len(items)} items{claimed}; stopped, as a listing gets at most {limit}"
                )
            seen_cursors.add(cursor)
            params["cursor"] = cursor


def page_limit(total: object, first_page_items: int) -> int:
    """The most pages a listing may take: what ``total`` items need at the first page's size,
    plus a margin for items added meanwhile; MAX_PAGES_PER_LISTING when total says nothing."""
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        return MAX_PAGES_PER_LISTING
    needed = math.ceil(total / max(first_page_items, 1))
    return max(1, min(MAX_PAGES_PER_LISTING, needed + max(EXTRA_PAGES, needed // 10)))


def _database_path(database_id: str, *below: str) -> str:
    return "/".join(("databases", id_segment(database_id, "database"), *below))


def _present(filters: Params | None) -> dict[str, str | int]:
    return {name: value for name, value in (filters or {}).items() if value is not None}


def _list_under(body: object, top_key: str, where: str) -> list[Mapping[str, Any]]:
    value = mapping(body).get(top_key)
    if not isinstance(value, list):
        raise MalformedResponseError(
            f"{where} answered without the {top_key!r} list the API documents"
        )
    return mappings(value)


def _object_body(body: object, path: str) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise MalformedResponseError(f"GET /{path} answered without the JSON object it documents")
    return body
