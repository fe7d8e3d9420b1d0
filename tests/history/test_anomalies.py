"""Unusual days on a store with nothing in it yet: a fresh install, or a store just replaced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vultr_core.history.anomalies import load_anomalies
from vultr_core.history.spend import load_daily_spend
from vultr_core.history.store import HistoryStore

pytestmark = pytest.mark.servers


def test_an_empty_store_has_no_unusual_day_and_no_daily_spend(store: HistoryStore) -> None:
    now = datetime(2026, 11, 17, 12, tzinfo=UTC)
    with store.connection("reading") as conn:
        assert load_anomalies(conn, since=now - timedelta(days=30), now=now, factor=2.0) == []
        assert load_daily_spend(conn, since=now - timedelta(days=30), now=now).totals.empty
