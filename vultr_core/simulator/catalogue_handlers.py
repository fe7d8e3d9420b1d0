"""The `/v2` catalogue routes: what can be ordered where, and the price lists beside it.

Plans, plan availability per region, Kubernetes versions, object-storage clusters and tiers,
container-registry plans and regions (vultr-api.md 2.5, 2.6, 2.8, 2.10, 2.15). They describe
Vultr rather than the account, so they are built from the organisation's catalogue once.
"""

from __future__ import annotations

from .catalog import ALL_PLAN_TYPES, METAL_PLAN_TYPE, plan_type_matches
from .kubernetes import KUBERNETES_VERSIONS
from .management_routing import ApiError, paged_response
from .messages import SimRequest, SimResponse
from .organisation import Organisation
from .pagination import Listing
from .registries import registry_plans, registry_regions
from .storage import object_storage_clusters, object_storage_tiers


class CatalogueHandlers:
    """Handlers for the catalogue routes; `ManagementApi` runs them under its lock."""

    def __init__(self, organisation: Organisation) -> None:
        self._org = organisation
        self._plans = Listing.by(organisation.plans, lambda plan: plan["id"])
        self._region_ids = {region["id"] for region in organisation.regions}
        self._clusters = Listing.by(object_storage_clusters(), lambda cluster: cluster["id"])
        self._registry_regions = Listing.by(registry_regions(), lambda region: region["id"])

    def plans(self, request: SimRequest, _ids: dict[str, str]) -> SimResponse:
        listing = self._plans
        plan_type, os_name = request.param("type"), request.param("os")
        if plan_type:
            listing = listing.where(lambda plan: plan_type_matches(plan_type, plan["type"]))
        if os_name:
            windows = self._org.windows_plan_ids
            listing = listing.where(
                lambda plan: os_name.lower() != "windows" or plan["id"] in windows
            )
        return paged_response("plans", listing, request)

    def region_availability(self, request: SimRequest, ids: dict[str, str]) -> SimResponse:
        """Plan ids orderable in the region, instance plans first, then bare metal (`vbm`)."""
        region_id = ids["region_id"].lower()
        if region_id not in self._region_ids:
            raise ApiError(404, "Region not found.")
        plan_type = request.param("type") or ALL_PLAN_TYPES
        available = [
            plan["id"]
            for plan in self._org.plans
            if region_id in plan["locations"] and plan_type_matches(plan_type, plan["type"])
        ]
        if plan_type in (ALL_PLAN_TYPES, METAL_PLAN_TYPE):
            available += [
                plan["id"] for plan in self._org.metal_plans if region_id in plan["locations"]
            ]
        return SimResponse.json({"available_plans": available})

    def kubernetes_versions(self, _request: SimRequest, _ids: dict[str, str]) -> SimResponse:
        return SimResponse.json({"versions": list(KUBERNETES_VERSIONS)})

    def object_storage_clusters(self, request: SimRequest, _ids: dict[str, str]) -> SimResponse:
        return paged_response("clusters", self._clusters, request)

    def object_storage_tiers(self, _request: SimRequest, _ids: dict[str, str]) -> SimResponse:
        """Not paged, no `meta` (govultr `objectStorageTiersBase`)."""
        return SimResponse.json({"tiers": object_storage_tiers()})

    def registry_plans(self, _request: SimRequest, _ids: dict[str, str]) -> SimResponse:
        return SimResponse.json({"plans": registry_plans()})

    def registry_regions(self, request: SimRequest, _ids: dict[str, str]) -> SimResponse:
        return paged_response("regions", self._registry_regions, request)
