"""Alerts: a forecast over budget, an anomalous day, a service down, new waste; each sent at
most once a day, however many runs and replicas evaluate it.

A run evaluates every condition, then claims the ones that fire in the store
(``alerts_sent``: one row per condition per day, ``INSERT … ON CONFLICT DO NOTHING``), so of
two replicas running at once each condition goes to exactly one of them. What a run claimed is
posted in one message; when the post fails for good the claims are given back, so the next run
tries again. A dry run claims nothing and sends nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import httpx

from vultr_core.api.errors import ApiError, VultrError
from vultr_core.clients import management_client
from vultr_core.config import Settings
from vultr_core.formatting import format_usd
from vultr_core.health.checks import check_health
from vultr_core.health.service_health import HealthReport
from vultr_core.history.anomalies import load_anomalies
from vultr_core.history.budgets import forecast_budgets
from vultr_core.history.store import Connection, HistoryStore
from vultr_core.history.webhook import post_webhook, slack_payload
from vultr_core.redaction import Secret, redact
from vultr_core.spend.data import fetch_inventory, price_inventory

logger = logging.getLogger(__name__)

ANOMALY_DAYS = 2
"""Anomalies of yesterday and the day before (today is not over): a run that missed a day
still reports it."""
BUDGET, ANOMALY, DOWN, WASTE = "Budget", "Unusual day", "Service down", "New waste"


@dataclass(frozen=True)
class Alert:
    """A condition that fires: ``condition`` is its key for the day, ``text`` one sentence."""

    condition: str
    kind: str
    text: str


@dataclass
class AlertRun:
    """What a run found and did. ``sent``: claimed and delivered (or printed, with no
    webhook); ``already_sent``: fired but sent earlier today; ``problems``: conditions that
    could not be evaluated, and a delivery that failed."""

    sent: list[Alert] = field(default_factory=list)
    already_sent: list[Alert] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    delivered_to_webhook: bool = False
    dry_run: bool = False

    @property
    def fired(self) -> bool:
        return bool(self.sent)


Evaluator = Callable[[], list[Alert]]


def budget_alerts(conn: Connection, settings: Settings, now: datetime) -> list[Alert]:
    month = f"{now:%Y-%m}"
    return [
        Alert(f"budget:{forecast.budget.key}:{month}", BUDGET, forecast.sentence())
        for forecast in forecast_budgets(conn, settings.budgets, now=now)
        if forecast.over
    ]


def anomaly_alerts(conn: Connection, settings: Settings, now: datetime) -> list[Alert]:
    since = datetime.combine(now.date() - timedelta(days=ANOMALY_DAYS), datetime.min.time(), UTC)
    anomalies = load_anomalies(conn, since=since, now=now, factor=settings.anomaly_factor)
    return [Alert(f"anomaly:{a.day.isoformat()}", ANOMALY, a.sentence()) for a in anomalies]


def service_alerts(report: HealthReport) -> list[Alert]:
    return [
        Alert(f"down:{service.service}", DOWN, f"{service.label} is down: {service.reason}")
        for service in report.services
        if service.status == "down"
    ]


def waste_alerts(settings: Settings, conn: Connection, now: datetime) -> list[Alert]:
    """Waste not reported before (``waste_seen``), one alert per item."""
    with management_client(settings) as client:
        waste = price_inventory(fetch_inventory(client), now=now).waste
    seen = {
        (row["resource_id"], row["kind"])
        for row in conn.execute("SELECT resource_id, kind FROM waste_seen").fetchall()
    }
    return [
        Alert(
            f"waste:{item['kind']}:{item['id']}",
            WASTE,
            f"{item['label']} ({item['kind'].lower()}): {item['reason']}; "
            f"{format_usd(float(item['monthly_savings_usd']))} a month",
        )
        for item in waste.to_dict("records")
        if (str(item["id"]), str(item["kind"])) not in seen
    ]


def evaluate(
    settings: Settings,
    store: HistoryStore,
    *,
    now: datetime,
    health: Callable[[], HealthReport] | None = None,
) -> tuple[list[Alert], list[str]]:
    """Every condition that fires now, and the conditions that could not be evaluated."""
    alerts: list[Alert] = []
    problems: list[str] = []
    with store.connection("evaluating alerts") as conn:
        evaluators: dict[str, Evaluator] = {
            "budgets": lambda: budget_alerts(conn, settings, now),
            "anomalies": lambda: anomaly_alerts(conn, settings, now),
            "services": lambda: service_alerts((health or (lambda: check_health(settings)))()),
            "waste": lambda: waste_alerts(settings, conn, now),
        }
        for name, evaluate_one in evaluators.items():
            try:
                alerts += evaluate_one()
            except VultrError as error:
                problems.append(f"could not evaluate {name}: {error}")
    return alerts, problems


def run_alerts(
    settings: Settings,
    store: HistoryStore,
    *,
    webhook: Secret | None,
    dry_run: bool = False,
    now: datetime | None = None,
    health: Callable[[], HealthReport] | None = None,
    transport: httpx.BaseTransport | None = None,
    post: Callable[..., None] = post_webhook,
) -> AlertRun:
    """Evaluate, claim what fires for today, send it, and record what was sent.

    Raises:
        VultrError: the store could not be reached (without it nothing can be deduplicated).
    """
    moment = now or datetime.now(UTC)
    day = moment.date()
    alerts, problems = evaluate(settings, store, now=moment, health=health)
    run = AlertRun(problems=problems, dry_run=dry_run)
    with store.connection("recording alerts", autocommit=True) as conn:
        already = _sent_today(conn, [a.condition for a in alerts], day)
        run.already_sent = [a for a in alerts if a.condition in already]
        if dry_run:
            run.sent = [a for a in alerts if a.condition not in already]
            return run
        run.sent = _claim(conn, [a for a in alerts if a.condition not in already], day, moment)
        if not run.sent:
            return run
        if webhook is not None:
            try:
                post(webhook, alert_payload(run.sent), transport=transport)
            except ApiError as error:
                _release(conn, run.sent, day)
                run.problems.append(f"could not deliver the alerts: {error}")
                return run
            run.delivered_to_webhook = True
        _record_sent(conn, run.sent, day, moment)
    return run


def alert_payload(alerts: Sequence[Alert]) -> dict[str, object]:
    noun = "alert" if len(alerts) == 1 else "alerts"
    return slack_payload(
        f"Vultr Dashboard: {len(alerts)} {noun}", [(a.kind, a.text) for a in alerts]
    )


def _sent_today(conn: Connection, conditions: Sequence[str], day: date) -> set[str]:
    rows = conn.execute(
        "SELECT condition FROM alerts_sent WHERE day = %s AND condition = ANY(%s)",
        (day, list(conditions)),
    ).fetchall()
    return {row["condition"] for row in rows}


def _claim(conn: Connection, alerts: Sequence[Alert], day: date, now: datetime) -> list[Alert]:
    """Claim each alert for today; the ones another run claimed first are left to it."""
    claimed = []
    with conn.transaction():
        for alert in alerts:
            row = conn.execute(
                "INSERT INTO alerts_sent (condition, day, claimed_at, summary) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING condition",
                (alert.condition, day, now, redact(alert.text)[:500]),
            ).fetchone()
            if row is not None:
                claimed.append(alert)
    return claimed


def _release(conn: Connection, alerts: Sequence[Alert], day: date) -> None:
    with conn.transaction():
        conn.execute(
            "DELETE FROM alerts_sent WHERE day = %s AND condition = ANY(%s) "
            "AND delivered_at IS NULL",
            (day, [a.condition for a in alerts]),
        )


def _record_sent(conn: Connection, alerts: Sequence[Alert], day: date, now: datetime) -> None:
    with conn.transaction():
        conn.execute(
            "UPDATE alerts_sent SET delivered_at = %s WHERE day = %s AND condition = ANY(%s)",
            (now, day, [a.condition for a in alerts]),
        )
        for alert in alerts:
            if alert.kind == WASTE:
                _, kind, resource_id = alert.condition.split(":", 2)
                conn.execute(
                    "INSERT INTO waste_seen (resource_id, kind, first_seen) VALUES (%s, %s, %s) "
                    "ON CONFLICT DO NOTHING",
                    (resource_id, kind, now),
                )
