"""Vultr management API v2 (`/v2/...`) served from an `Organisation`.

Routes, top-level keys, pagination and error bodies follow vultr-api.md sections 1 and 2,
quirks included. Reads are served under a lock shared with the few write routes (instance
actions and delete, which answer 204 with an empty body), so concurrent clients always see a
consistent organisation.
"""

from __future__ import annotations

import threading

from .catalogue_handlers import CatalogueHandlers
from .compute_handlers import ComputeHandlers
from .database_handlers import DatabaseHandlers
from .inference_usage import Subscription, UsageShape
from .management_routing import (
    UNKNOWN_ROUTE_MESSAGE,
    ApiError,
    Handler,
    MethodNotAllowedError,
    Route,
    RouteNotFoundError,
    Router,
    error_response,
    index_by_id,
    paged_response,
)
from .messages import JsonObject, SimRequest, SimResponse
from .organisation import Organisation
from .pagination import Listing, PaginationError
from .storage import block_snapshots

PREFIX = "/v2/"

# Routes that answer without a key: those the OpenAPI document marks `security: []` (vultr-api.md
# 1.1 names plans and regions). A wrong key still gets 401.
PUBLIC_PATHS = frozenset(
    {
        "/v2/plans",
        "/v2/plans-metal",
        "/v2/regions",
        "/v2/regions/{region-id}/availability",
        "/v2/kubernetes/versions",
        "/v2/object-storage/clusters",
    }
)


class ManagementApi:
    """The `/v2` service: authentication, routing, pagination and the route handlers."""

    prefix = PREFIX

    def __init__(
        self,
        organisation: Organisation,
        api_key: str | None,
        legacy_engine_names: bool,
        inference_usage_shape: UsageShape,
    ) -> None:
        self._org = organisation
        self._api_key = api_key
        self._usage_shape = inference_usage_shape
        self._lock = threading.Lock()
        self._database_handlers = DatabaseHandlers(organisation, legacy_engine_names)
        self._catalogue_handlers = CatalogueHandlers(organisation)
        org = organisation
        subid = org.subids.__getitem__
        self._listings = {
            "instances": Listing.by(org.instances, lambda item: subid(item["id"])),
            "bare_metals": Listing.by(org.bare_metals, lambda item: subid(item["id"])),
            "blocks": Listing.by(org.blocks, lambda item: subid(item["id"])),
            "block_snapshots": Listing.by(
                block_snapshots(org.blocks, org.now), lambda item: item["id"]
            ),
            "load_balancers": Listing.by(org.load_balancers, lambda item: subid(item["id"])),
            "vke_clusters": Listing.by(org.kubernetes_clusters, lambda item: subid(item["id"])),
            "object_storages": Listing.by(org.object_storages, lambda item: subid(item["id"])),
            "reserved_ips": Listing.by(org.reserved_ips, lambda item: subid(item["id"])),
            "snapshots": Listing.by(org.snapshots, lambda item: subid(item["id"])),
            "registries": Listing.by(org.registries, lambda item: subid(item["id"])),
            "plans_metal": Listing.by(org.metal_plans, lambda item: item["id"]),
            # Vultr's region cursors carry the id upper-cased (`next__AMS`, vultr-api.md 1.5).
            "regions": Listing.by(org.regions, lambda item: item["id"].upper()),
            "billing_history": Listing.by(org.ledger.history, lambda item: item["id"]),
            "billing_invoices": Listing.by(org.ledger.invoices, lambda item: item["id"]),
        }
        self._by_id = {name: index_by_id(listing) for name, listing in self._listings.items()}
        self._compute_handlers = ComputeHandlers(organisation, self._by_id)
        self._router = Router(self._route_table())
        self._invoices = {str(invoice["id"]): invoice for invoice in org.ledger.invoices}
        self._invoice_items: dict[int, Listing] = {}
        self._subscriptions = {sub.json["id"]: sub for sub in org.inference_subscriptions}

    # -- dispatch -------------------------------------------------------------------------------

    def handle(self, request: SimRequest) -> SimResponse:
        """Answer one request: route, authenticate, run the handler; errors as Vultr bodies."""
        try:
            route, ids = self._router.resolve(request.method, request.path)
        except RouteNotFoundError:
            return error_response(404, UNKNOWN_ROUTE_MESSAGE)
        except MethodNotAllowedError:
            return error_response(405)
        if not self._authorised(request, route.public):
            return error_response(401)
        try:
            with self._lock:
                return route.handler(request, ids)
        except ApiError as err:
            return error_response(err.status, err.message)
        except PaginationError as err:
            return error_response(400, str(err))

    def error(self, status: int, message: str | None = None) -> SimResponse:
        return error_response(status, message)

    def _authorised(self, request: SimRequest, public: bool) -> bool:
        """Bearer auth; public routes also work without a key, but not with a wrong one.

        An empty or blank `Authorization:` header is no key at all, as for a missing header.
        """
        if self._api_key is None:
            return True
        header = request.headers.get("authorization", "")
        if not header.strip():
            return public
        scheme, _, key = header.partition(" ")
        return scheme.lower() == "bearer" and key.strip() == self._api_key

    def _route_table(self) -> list[Route]:
        """Every served route; the router lets a literal segment win over a `{parameter}`."""
        databases = self._database_handlers
        catalogue, compute = self._catalogue_handlers, self._compute_handlers
        table: list[tuple[str, str, Handler]] = [
            ("GET", "/v2/account", self._account),
            ("GET", "/v2/account/bandwidth", self._bandwidth),
            ("GET", "/v2/billing/history", self._lister("billing_history")),
            ("GET", "/v2/billing/invoices", self._lister("billing_invoices")),
            ("GET", "/v2/billing/invoices/{invoice-id}", self._invoice),
            ("GET", "/v2/billing/invoices/{invoice-id}/items", self._invoice_items_page),
            ("GET", "/v2/billing/pending-charges", self._pending_charges),
            ("GET", "/v2/instances", self._instances),
            ("GET", "/v2/instances/{instance-id}", self._getter("instances", "instance")),
            ("GET", "/v2/instances/{instance-id}/bandwidth", compute.instance_bandwidth),
            ("DELETE", "/v2/instances/{instance-id}", self._delete_instance),
            ("POST", "/v2/instances/{instance-id}/halt", self._power("stopped")),
            ("POST", "/v2/instances/{instance-id}/start", self._power("running")),
            ("POST", "/v2/instances/{instance-id}/reboot", self._power("running")),
            ("GET", "/v2/plans", catalogue.plans),
            ("GET", "/v2/plans-metal", self._lister("plans_metal")),
            ("GET", "/v2/regions", self._lister("regions")),
            ("GET", "/v2/regions/{region-id}/availability", catalogue.region_availability),
            ("GET", "/v2/databases", databases.database_list),
            ("GET", "/v2/databases/plans", databases.database_plans),
            ("GET", "/v2/databases/{database-id}", databases.database),
            ("GET", "/v2/databases/{database-id}/usage", databases.database_usage),
            ("GET", "/v2/databases/{database-id}/backups", databases.database_backups),
            ("GET", "/v2/databases/{database-id}/maintenance", databases.database_maintenance),
            ("GET", "/v2/databases/{database-id}/connection-pools", databases.connection_pools),
            (
                "GET",
                "/v2/databases/{database-id}/connection-pools/{pool-name}",
                databases.connection_pool,
            ),
            ("GET", "/v2/databases/{database-id}/users", databases.database_users),
            ("GET", "/v2/databases/{database-id}/users/{username}", databases.database_user),
            ("GET", "/v2/databases/{database-id}/dbs", databases.database_dbs),
            ("GET", "/v2/databases/{database-id}/dbs/{db-name}", databases.database_db),
            ("POST", "/v2/databases/{database-id}/alerts", databases.database_alerts),
            ("GET", "/v2/kubernetes/clusters", self._lister("vke_clusters")),
            (
                "GET",
                "/v2/kubernetes/clusters/{vke-id}",
                self._getter("vke_clusters", "vke_cluster"),
            ),
            ("GET", "/v2/kubernetes/clusters/{vke-id}/node-pools", compute.node_pools),
            (
                "GET",
                "/v2/kubernetes/clusters/{vke-id}/node-pools/{nodepool-id}",
                compute.node_pool,
            ),
            ("GET", "/v2/kubernetes/versions", catalogue.kubernetes_versions),
            ("GET", "/v2/blocks", self._lister("blocks")),
            ("GET", "/v2/blocks/snapshots", self._block_snapshots),
            ("GET", "/v2/blocks/{block-id}", self._getter("blocks", "block")),
            ("GET", "/v2/object-storage", self._lister("object_storages")),
            ("GET", "/v2/object-storage/clusters", catalogue.object_storage_clusters),
            ("GET", "/v2/object-storage/tiers", catalogue.object_storage_tiers),
            (
                "GET",
                "/v2/object-storage/{object-storage-id}",
                self._getter("object_storages", "object_storage"),
            ),
            ("GET", "/v2/load-balancers", self._lister("load_balancers")),
            (
                "GET",
                "/v2/load-balancers/{load-balancer-id}",
                self._getter("load_balancers", "load_balancer"),
            ),
            ("GET", "/v2/bare-metals", self._lister("bare_metals")),
            ("GET", "/v2/bare-metals/{baremetal-id}", self._getter("bare_metals", "bare_metal")),
            ("GET", "/v2/bare-metals/{baremetal-id}/bandwidth", compute.bare_metal_bandwidth),
            ("GET", "/v2/snapshots", self._snapshots),
            ("GET", "/v2/snapshots/{snapshot-id}", self._getter("snapshots", "snapshot")),
            ("GET", "/v2/reserved-ips", self._lister("reserved_ips")),
            ("GET", "/v2/reserved-ips/{reserved-ip}", self._getter("reserved_ips", "reserved_ip")),
            ("GET", "/v2/registries", self._lister("registries")),
            ("GET", "/v2/registry/{registry-id}", self._registry),
            ("GET", "/v2/registry/plan/list", catalogue.registry_plans),
            ("GET", "/v2/registry/region/list", catalogue.registry_regions),
            ("GET", "/v2/inference", self._inference_list),
            ("GET", "/v2/inference/{inference-id}", self._inference),
            ("GET", "/v2/inference/{inference-id}/usage", self._inference_usage),
        ]
        return [
            Route(method, path, handler, public=path in PUBLIC_PATHS)
            for method, path, handler in table
        ]

    # -- generic lists and single objects ------------------------------------------------------

    def _lister(self, key: str) -> Handler:
        """A paged list served under top-level `key` with `meta`."""

        def handler(request: SimRequest, _ids: dict[str, str]) -> SimResponse:
            return paged_response(key, self._listings[key], request)

        return handler

    def _getter(self, listing: str, key: str) -> Handler:
        """A single object, found by the only id in the path, under top-level `key`."""

        def handler(_request: SimRequest, ids: dict[str, str]) -> SimResponse:
            (object_id,) = ids.values()
            found = self._by_id[listing].get(object_id)
            if found is None:
                raise ApiError(404, f"{key.replace('_', ' ').capitalize()} not found.")
            return SimResponse.json({key: found})

        return handler

    # -- account and billing ------------------------------------------------------------------

    def _account(self, _request: SimRequest, _ids: dict[str, str]) -> SimResponse:
        return SimResponse.json({"account": self._org.account})

    def _bandwidth(self, _request: SimRequest, _ids: dict[str, str]) -> SimResponse:
        return SimResponse.json(self._org.bandwidth)

    def _invoice_by_id(self, ids: dict[str, str]) -> JsonObject:
        invoice = self._invoices.get(ids["invoice_id"])
        if invoice is None:
            raise ApiError(404, "Invoice not found.")
        return invoice

    def _invoice(self, _request: SimRequest, ids: dict[str, str]) -> SimResponse:
        return SimResponse.json({"billing_invoice": self._invoice_by_id(ids)})

    def _invoice_items_page(self, request: SimRequest, ids: dict[str, str]) -> SimResponse:
        invoice_id = self._invoice_by_id(ids)["id"]
        listing = self._invoice_items.get(invoice_id)
        if listing is None:
            items = self._org.ledger.invoice_items[invoice_id]
            listing = Listing(items, [str(position) for position in range(len(items))])
            self._invoice_items[invoice_id] = listing
        return paged_response("invoice_items", listing, request)

    def _pending_charges(self, _request: SimRequest, _ids: dict[str, str]) -> SimResponse:
        """Not paged and without `meta` (govultr v3.15.0)."""
        return SimResponse.json({"pending_charges": self._org.ledger.pending_charges})

    # -- instances --------------------------------------------------------------------------------

    def _instances(self, request: SimRequest, _ids: dict[str, str]) -> SimResponse:
        listing = self._listings["instances"]
        tag, label = request.param("tag"), request.param("label")
        main_ip, region = request.param("main_ip"), request.param("region")
        firewall = request.param("firewall_group_id")
        if any(value is not None for value in (tag, label, main_ip, region, firewall)):
            listing = listing.where(
                lambda item: (
                    (tag is None or tag in item["tags"])
                    and (label is None or item["label"] == label)
                    and (main_ip is None or item["main_ip"] == main_ip)
                    and (region is None or item["region"] == region.lower())
                    and (firewall is None or item["firewall_group_id"] == firewall)
                )
            )
        return paged_response("instances", listing, request)

    def _instance(self, ids: dict[str, str]) -> JsonObject:
        found = self._by_id["instances"].get(ids["instance_id"])
        if found is None:
            raise ApiError(404, "Instance not found.")
        return found

    def _power(self, power_status: str) -> Handler:
        """halt / start / reboot: change power state, answer 204 with no body."""

        def handler(_request: SimRequest, ids: dict[str, str]) -> SimResponse:
            self._instance(ids)["power_status"] = power_status
            return SimResponse.no_content()

        return handler

    def _delete_instance(self, _request: SimRequest, ids: dict[str, str]) -> SimResponse:
        """Destroy the instance and detach what pointed at it, as Vultr does; 204, no body."""
        instance = self._instance(ids)
        org = self._org
        org.instances.remove(instance)
        for block in org.blocks:
            if block["attached_to_instance"] == instance["id"]:
                block |= {"attached_to_instance": "", "attached_to_instance_ip": "",
                          "attached_to_instance_label": ""}  # fmt: skip
        for reserved in org.reserved_ips:
            if reserved["instance_id"] == instance["id"]:
                reserved["instance_id"] = ""
        for balancer in org.load_balancers:
            if instance["id"] in balancer["instances"]:
                balancer["instances"].remove(instance["id"])
        self._listings["instances"] = Listing.by(org.instances, lambda item: org.subids[item["id"]])
        self._by_id["instances"] = index_by_id(self._listings["instances"])
        return SimResponse.no_content()

    # -- snapshots, registries ------------------------------------------------------------------

    def _block_snapshots(self, request: SimRequest, _ids: dict[str, str]) -> SimResponse:
        """Paged under top key `snapshots`, as govultr's ListSnapshots test reads it."""
        return paged_response("snapshots", self._listings["block_snapshots"], request)

    def _snapshots(self, request: SimRequest, _ids: dict[str, str]) -> SimResponse:
        listing = self._listings["snapshots"]
        description = request.param("description")
        if description is not None:
            listing = listing.where(lambda snapshot: snapshot["description"] == description)
        return paged_response("snapshots", listing, request)

    def _registry(self, _request: SimRequest, ids: dict[str, str]) -> SimResponse:
        """`GET /v2/registry/{id}` returns the bare object, with no wrapper key."""
        found = self._by_id["registries"].get(ids["registry_id"])
        if found is None:
            raise ApiError(404, "Registry not found.")
        return SimResponse.json(found)

    # -- inference subscriptions ----------------------------------------------------------------

    def _subscription(self, ids: dict[str, str]) -> Subscription:
        subscription = self._subscriptions.get(ids["inference_id"])
        if subscription is None:
            raise ApiError(404, "Subscription not found.")
        return subscription

    def _inference_list(self, _request: SimRequest, _ids: dict[str, str]) -> SimResponse:
        """No `meta`, no pagination (govultr)."""
        return SimResponse.json(
            {"subscriptions": [s.json for s in self._org.inference_subscriptions]}
        )

    def _inference(self, _request: SimRequest, ids: dict[str, str]) -> SimResponse:
        return SimResponse.json({"subscription": self._subscription(ids).json})

    def _inference_usage(self, _request: SimRequest, ids: dict[str, str]) -> SimResponse:
        return SimResponse.json(self._subscription(ids).usage.render(self._usage_shape))
