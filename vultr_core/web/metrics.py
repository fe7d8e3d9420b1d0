"""/metrics in Prometheus's text format, written by prometheus_client (not by hand).

Spend and health figures are gauges read at scrape time from the same single-flight documents
the JSON routes serve, so a scrape every 15 s does not add reads of Vultr; the app's counters
come from ``vultr_core.telemetry``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from vultr_core import telemetry
from vultr_core.api.errors import VultrError
from vultr_core.health.service_health import HealthReport


class _FiguresCollector(Collector):
    """Gauges from one summary document and one health report, fetched when scraped."""

    def __init__(
        self, summary: Callable[[], dict[str, Any]], health: Callable[[], HealthReport]
    ) -> None:
        self._summary = summary
        self._health = health

    def collect(self) -> Iterator[Metric]:
        yield from self._spend()
        yield from self._services()

    def _spend(self) -> Iterable[Metric]:
        up = GaugeMetricFamily(
            "vultr_scrape_spend_up", "1 when the spend figures below could be read from Vultr."
        )
        try:
            summary = self._summary()
        except VultrError:
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        demo = GaugeMetricFamily(
            "vultr_demo",
            "1 when the figures are the simulated demo organisation's, not an account's.",
            value=1 if summary["demo"] else 0,
        )
        plain = [
            ("vultr_month_to_date_usd", "Charges so far this month.", "month_to_date_usd"),
            ("vultr_month_end_forecast_usd", "Forecast for the whole month.", "forecast_usd"),
            (
                "vultr_balance_usd",
                "Account balance as Vultr reports it: negative is credit, positive is owed.",
                "balance_usd",
            ),
            ("vultr_waste_monthly_usd", "Monthly cost of idle or stopped resources.", "waste_usd"),
        ]
        metrics: list[Metric] = [up, demo]
        for name, documentation, field in plain:
            metrics.append(GaugeMetricFamily(name, documentation, value=summary[field]))
        run_rate = GaugeMetricFamily(
            "vultr_run_rate_monthly_usd",
            "Monthly list price of what runs now, by category.",
            labels=["category"],
        )
        for category, usd in summary["run_rate_by_category"].items():
            run_rate.add_metric([category], usd)
        resources = GaugeMetricFamily(
            "vultr_resources", "Resources in the account, by kind.", labels=["kind"]
        )
        for kind, count in summary["resource_counts"].items():
            resources.add_metric([kind], count)
        return [*metrics, run_rate, resources]

    def _services(self) -> Iterable[Metric]:
        report = self._health()
        up = GaugeMetricFamily(
            "vultr_service_up",
            "1 when the service is up or degraded, 0 when down (not configured: absent).",
            labels=["service"],
        )
        latency = GaugeMetricFamily(
            "vultr_service_latency_seconds",
            "Latency of the service's last health check.",
            labels=["service"],
        )
        for service in report.services:
            if service.status == "not configured":
                continue
            up.add_metric([service.service], 0 if service.status == "down" else 1)
            if service.latency_ms is not None:
                latency.add_metric([service.service], service.latency_ms / 1000)
        return [up, latency]


def metrics_text(
    summary: Callable[[], dict[str, Any]],
    health: Callable[[], HealthReport],
) -> bytes:
    """One scrape: the figures, then the app's own counters."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_FiguresCollector(summary, health))
    return generate_latest(registry) + generate_latest(telemetry.REGISTRY)
