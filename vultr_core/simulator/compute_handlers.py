"""The `/v2` sub-resources of servers and clusters: daily bandwidth and Kubernetes node pools.

Instances, bare-metal servers and clusters are found through the id indexes `ManagementApi`
keeps (and replaces when an instance is deleted), so these routes always see the live estate.
"""

from __future__ import annotations

from datetime import datetime

from .catalog import METAL_PLAN_BY_ID
from .instances import daily_bandwidth
from .management_routing import ApiError, paged_response
from .messages import JsonObject, SimRequest, SimResponse
from .organisation import Organisation
from .pagination import Listing

BANDWIDTH_DEFAULT_DAYS = 30
BANDWIDTH_MAX_DAYS = 60
"""`date_range` of the `/bandwidth` routes: 30 days unless asked, 1 to 60 (vultr-api.md 2.4)."""


class ComputeHandlers:
    """Handlers for server bandwidth and node pools; `ManagementApi` runs them under its lock."""

    def __init__(self, organisation: Organisation, by_id: dict[str, dict[str, JsonObject]]) -> None:
        self._org = organisation
        self._by_id = by_id

    def instance_bandwidth(self, request: SimRequest, ids: dict[str, str]) -> SimResponse:
        instance = self._find("instances", ids["instance_id"], "Instance")
        return self._bandwidth(request, instance, instance["allowed_bandwidth"])

    def bare_metal_bandwidth(self, request: SimRequest, ids: dict[str, str]) -> SimResponse:
        metal = self._find("bare_metals", ids["baremetal_id"], "Bare metal")
        return self._bandwidth(request, metal, METAL_PLAN_BY_ID[metal["plan"]].bandwidth_gb)

    def node_pools(self, request: SimRequest, ids: dict[str, str]) -> SimResponse:
        """Paged, with `meta` (vultr-api.md 2.8); cursors carry the pool id."""
        cluster = self._find("vke_clusters", ids["vke_id"], "Kubernetes cluster")
        pools = Listing.by(cluster["node_pools"], lambda pool: pool["id"])
        return paged_response("node_pools", pools, request)

    def node_pool(self, _request: SimRequest, ids: dict[str, str]) -> SimResponse:
        cluster = self._find("vke_clusters", ids["vke_id"], "Kubernetes cluster")
        pool_id = ids["nodepool_id"]
        found = next((pool for pool in cluster["node_pools"] if pool["id"] == pool_id), None)
        if found is None:
            raise ApiError(404, "Node pool not found.")
        return SimResponse.json({"node_pool": found})

    def _find(self, listing: str, object_id: str, kind: str) -> JsonObject:
        found = self._by_id[listing].get(object_id)
        if found is None:
            raise ApiError(404, f"{kind} not found.")
        return found

    def _bandwidth(self, request: SimRequest, server: JsonObject, allowance_gb: int) -> SimResponse:
        """`{"bandwidth": {"YYYY-MM-DD": {...}}}` for `date_range` days; 400 outside 1 to 60."""
        try:
            days = int(request.param("date_range") or BANDWIDTH_DEFAULT_DAYS)
        except ValueError:
            days = 0
        if not 1 <= days <= BANDWIDTH_MAX_DAYS:
            raise ApiError(400, f"Invalid date_range: must be from 1 to {BANDWIDTH_MAX_DAYS}.")
        created = datetime.fromisoformat(server["date_created"])
        usage = daily_bandwidth(server["id"], allowance_gb, created, self._org.now, days)
        return SimResponse.json({"bandwidth": usage})
