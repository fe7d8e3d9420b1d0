"""What a health check reports: each service's state, and every service's at one moment.

A service is ``up``, ``degraded`` (reachable, but a check is outside its threshold), ``down``
(unreachable, refused, or no answer within its timeout) or ``not configured``. In demo mode
every service is the embedded or simulated one; with a real API key, PostgreSQL, Valkey and
inference are watched only when their own setting is given, so an embedded server is never
reported as the team's database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vultr_core.health.history import Status
from vultr_core.health.probing import CheckResult

SERVICES = ("postgres", "valkey", "management", "inference")
LABELS = {
    "postgres": "PostgreSQL",
    "valkey": "Valkey",
    "management": "Management API",
    "inference": "Inference API",
}


@dataclass(frozen=True)
class ServiceHealth:
    """One service's state: a status, its latency (p50 for multi-sample probes), one figure
    for a card, every figure for ``--json``, and the reason in a sentence."""

    service: str
    status: Status
    reason: str
    latency_ms: float | None = None
    key_figure: str | None = None
    figures: Mapping[str, Any] = field(default_factory=dict)
    checks: tuple[CheckResult, ...] = ()
    misconfigured: bool = False
    # What to change when the settings caused the failure (a refused key): said once per page.
    advice: str | None = None
    # What the app uses instead of a service that is not watched (a throwaway local Valkey).
    stand_in: str | None = None

    @property
    def label(self) -> str:
        return LABELS.get(self.service, self.service)


@dataclass(frozen=True)
class HealthReport:
    checked_at: datetime
    services: tuple[ServiceHealth, ...]

    @property
    def any_down(self) -> bool:
        return any(s.status == "down" for s in self.services)

    def service(self, name: str) -> ServiceHealth:
        return next(s for s in self.services if s.service == name)
