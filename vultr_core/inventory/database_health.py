"""One managed database's verdict, from what Vultr reports about it: state, usage, recent
alerts, backups and pending maintenance. The reasons are sentences a person acts on.

Thresholds follow the portal's own warnings: disk and memory over 80 % are worth a look, over
90 % urgent; a daily backup older than 26 h (a day plus the backup window) has been missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from vultr_core.api.models.databases import Database, DatabaseAlert, DatabaseBackups, DatabaseUsage

Verdict = Literal["healthy", "warning", "critical"]
USAGE_WARNING_PCT = 80.0
USAGE_CRITICAL_PCT = 90.0
BACKUP_MISSED_AFTER = timedelta(hours=26)
_RANK: dict[Verdict, int] = {"healthy": 0, "warning": 1, "critical": 2}


@dataclass(frozen=True)
class Reason:
    severity: Verdict
    text: str


@dataclass(frozen=True)
class DatabaseHealth:
    verdict: Verdict
    reasons: tuple[Reason, ...]


def judge_database(
    database: Database,
    *,
    usage: DatabaseUsage | None,
    alerts: list[DatabaseAlert],
    backups: DatabaseBackups | None,
    maintenance: list[str],
    now: datetime,
) -> DatabaseHealth:
    """The worst of every reason found; ``healthy`` with no reasons when nothing is wrong."""
    reasons = [
        *_state_reasons(database),
        *_usage_reasons(usage),
        *(Reason("warning", f"Alert: {alert.description}") for alert in alerts),
        *_backup_reasons(database, backups, now),
        *(Reason("healthy", f"Maintenance pending: {item}") for item in maintenance),
    ]
    verdict: Verdict = max((r.severity for r in reasons), key=_RANK.__getitem__, default="healthy")
    return DatabaseHealth(verdict, tuple(reasons))


def _state_reasons(database: Database) -> list[Reason]:
    if database.status.lower() == "running":
        return []
    return [Reason("critical", f"Not running: Vultr reports it as {database.status!r}")]


def _usage_reasons(usage: DatabaseUsage | None) -> list[Reason]:
    if usage is None:
        return []
    figures = {
        "Disk": usage.disk_gb.percentage,
        "Memory": usage.memory_mb.percentage,
        "CPU": usage.cpu_percentage,
    }
    reasons = []
    for name, percentage in figures.items():
        if percentage is None or percentage < USAGE_WARNING_PCT:
            continue
        severity: Verdict = "critical" if percentage >= USAGE_CRITICAL_PCT else "warning"
        reasons.append(Reason(severity, f"{name} {percentage:.0f}% used"))
    return reasons


def _backup_reasons(
    database: Database, backups: DatabaseBackups | None, now: datetime
) -> list[Reason]:
    latest = backups.latest if backups is not None else database.latest_backup
    if latest is None:
        return [Reason("warning", "No backup reported")]
    age = now - latest
    if age > BACKUP_MISSED_AFTER:
        return [Reason("warning", f"Latest backup is {age.total_seconds() / 3600:.0f} h old")]
    return []
