"""Words a person knows beside the codes Vultr uses: a city for a region, vCPUs and RAM for a
plan, a product name for a database engine.

The words come from the API's own lists (``/v2/regions``, ``/v2/plans``,
``/v2/databases/plans``); a code none of them describes reads as itself, never as an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from vultr_core.api.models.compute import Plan, Region
from vultr_core.api.models.databases import Database, DatabasePlan

# vultr-api.md §2.7.1: the engines Vultr sells; ``redis`` is Valkey's name before the 2024 rename.
ENGINE_NAMES = {
    "pg": "PostgreSQL",
    "mysql": "MySQL",
    "valkey": "Valkey",
    "redis": "Valkey",
    "kafka": "Kafka",
    "ferretpg": "FerretDB",
}
MB_PER_GB = 1024


def engine_name(engine: str) -> str:
    """``pg`` → ``PostgreSQL``; an engine Vultr adds later reads as its own code."""
    return ENGINE_NAMES.get(engine.strip().lower(), engine)


def region_names(regions: Iterable[Region]) -> dict[str, str]:
    """Region code → ``Tokyo (nrt)``, for every region the list names a city for."""
    return {region.id: f"{region.city} ({region.id})" for region in regions if region.city}


def region_name(code: str, names: Mapping[str, str]) -> str:
    """The region in words with its code, or the bare code when the list does not know it."""
    return names.get(code.lower(), code)


def _ram_text(ram_mb: int) -> str:
    return f"{ram_mb / MB_PER_GB:g} GB RAM"


def _size_words(vcpus: int | None, ram_mb: int | None, disk_gb: int | None) -> list[str]:
    """The figures that are known and positive; an absent or zero figure says nothing."""
    words = []
    if vcpus:
        words.append(f"{vcpus} vCPU")
    if ram_mb:
        words.append(_ram_text(ram_mb))
    if disk_gb:
        words.append(f"{disk_gb} GB disk")
    return words


def instance_plan_names(plans: Iterable[Plan]) -> dict[str, str]:
    """Plan id → ``2 vCPU · 4 GB RAM`` (``· GPU`` for a GPU plan), from the plan list."""
    names = {}
    for plan in plans:
        words = _size_words(plan.vcpu_count, plan.ram_mb, None)
        if plan.is_gpu:
            words.append("GPU")
        if words:
            names[plan.id] = " · ".join(words)
    return names


def database_plan_names(plans: Iterable[DatabasePlan]) -> dict[str, str]:
    """Plan id → ``2 vCPU · 4 GB RAM · 80 GB disk`` (Valkey plans have no disk)."""
    names = {}
    for plan in plans:
        if words := _size_words(plan.vcpu_count, plan.ram_mb, plan.disk_gb):
            names[plan.id] = " · ".join(words)
    return names


def database_plan_name(database: Database, names: Mapping[str, str]) -> str:
    """The plan in words: from the plan list, else from the figures the database carries
    itself, else the plan's id."""
    if found := names.get(database.plan):
        return found
    own = _size_words(database.plan_vcpus, database.plan_ram_mb, database.plan_disk_gb)
    return " · ".join(own) if own else database.plan


def plan_name(code: str, names: Mapping[str, str]) -> str:
    """An instance plan in words, or its id when the plan list does not know it."""
    return names.get(code, code)
