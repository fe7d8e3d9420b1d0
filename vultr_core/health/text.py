"""The ``health`` and ``test`` commands' output: one JSON document, or a table for a person,
and the exit status DESIGN.md gives them (0 all up, 1 any down; a malformed setting is a
configuration error, exit 2, like anywhere else on the command line)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vultr_core.api.errors import ConfigurationError
from vultr_core.formatting import terminal_text
from vultr_core.health.service_health import HealthReport, ServiceHealth
from vultr_core.health.service_tests import RoundTripReport

EXIT_OK, EXIT_FAILED = 0, 1
SETTINGS = {
    "postgres": "DATABASE_URL",
    "valkey": "VALKEY_URL",
    "management": "VULTR_API_URL",
    "inference": "VULTR_INFERENCE_URL",
}


def health_exit_status(report: HealthReport) -> int:
    """1 when any service is down; degraded and not configured still exit 0."""
    return EXIT_FAILED if report.any_down else EXIT_OK


def round_trip_exit_status(report: RoundTripReport) -> int:
    """1 when any round trip failed; skipped ones (not configured) do not count."""
    return EXIT_OK if report.all_passed else EXIT_FAILED


def configuration_error(report: HealthReport | RoundTripReport) -> ConfigurationError | None:
    """The first service whose setting is malformed, as the error the command line reports
    on stderr with exit status 2 (like a malformed setting anywhere else)."""
    found = report.services if isinstance(report, HealthReport) else report.results
    for item in found:
        if item.misconfigured:
            reason = item.reason if isinstance(item, ServiceHealth) else item.detail
            return ConfigurationError(reason, setting=SETTINGS[item.service])
    return None


def health_document(report: HealthReport) -> dict[str, Any]:
    return {
        "checked_at": report.checked_at.isoformat(),
        "services": [
            {
                "service": s.service,
                "label": s.label,
                "status": s.status,
                "latency_ms": _rounded(s.latency_ms),
                "key_figure": s.key_figure,
                "reason": s.reason,
                "advice": s.advice,
                "stand_in": s.stand_in,
                "figures": dict(s.figures),
                "checks": [
                    {"name": c.name, "verdict": c.verdict, "message": c.message} for c in s.checks
                ],
            }
            for s in report.services
        ],
    }


def health_text(report: HealthReport) -> str:
    rows = [
        (s.label, s.status.upper(), _ms(s.latency_ms), s.key_figure or "", s.reason)
        for s in report.services
    ]
    lines = _columns(("SERVICE", "STATUS", "LATENCY", "FIGURE", "REASON"), rows)
    for service in report.services:
        lines += _warnings(service)
        if service.advice:
            lines.append(terminal_text(f"  {service.label}: {service.advice}"))
    return "\n".join(lines)


def round_trip_document(report: RoundTripReport) -> dict[str, Any]:
    return {
        "tested_at": report.tested_at.isoformat(),
        "all_passed": report.all_passed,
        "results": [
            {
                "service": r.service,
                "label": r.label,
                "passed": r.passed,
                "latency_ms": _rounded(r.latency_ms),
                "detail": r.detail,
            }
            for r in report.results
        ],
    }


def round_trip_text(report: RoundTripReport) -> str:
    words = {True: "PASS", False: "FAIL", None: "SKIPPED"}
    rows = [(r.label, words[r.passed], _ms(r.latency_ms), r.detail) for r in report.results]
    return "\n".join(_columns(("SERVICE", "RESULT", "TIME", "DETAIL"), rows))


def _warnings(service: ServiceHealth) -> list[str]:
    return [
        terminal_text(f"  {service.label}: {check.name}: {check.message}")
        for check in service.checks
        if check.verdict == "warning"
    ]


def _columns(headers: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    """Aligned columns; figures and reasons quote servers, so their control characters go."""
    rows = [tuple(terminal_text(cell) for cell in row) for row in rows]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [headers, *rows]
    ]


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} ms"


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
