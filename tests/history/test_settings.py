"""The history's settings: read once, checked, and secret where they must be."""

from __future__ import annotations

from pathlib import Path

import pytest

from vultr_core.api.errors import ConfigurationError
from vultr_core.config import DEFAULT_ANOMALY_FACTOR, Settings
from vultr_core.redaction import redact

WEBHOOK = "https://hooks.example.com/services/T0001/B0002/TOKENSECRET12345"


def test_defaults_keep_history_embedded_with_no_budget_and_no_webhook() -> None:
    settings = Settings.from_env({})
    assert settings.history_database_url is None
    assert settings.history_data_dir is None
    assert settings.budgets == ()
    assert settings.alert_webhook_url is None
    assert settings.anomaly_factor == DEFAULT_ANOMALY_FACTOR
    assert settings.history_app_snapshots is True


@pytest.mark.parametrize(("value", "expected"), [("0", False), ("off", False), ("1", True)])
def test_the_app_snapshots_can_be_left_to_cron(value: str, expected: bool) -> None:
    assert Settings.from_env({"HISTORY_APP_SNAPSHOTS": value}).history_app_snapshots is expected


def test_a_malformed_snapshot_switch_is_named() -> None:
    with pytest.raises(ConfigurationError, match="HISTORY_APP_SNAPSHOTS must be 1 or 0"):
        Settings.from_env({"HISTORY_APP_SNAPSHOTS": "hourly"})


def test_every_history_setting_is_read() -> None:
    settings = Settings.from_env(
        {
            "HISTORY_DATABASE_URL": "postgresql://history:s3cret-pass@db.internal:5432/app",
            "HISTORY_DATA_DIR": "~/dashboard-history",
            "BUDGETS": "total=5000",
            "ANOMALY_FACTOR": "2.5",
            "ALERT_WEBHOOK_URL": WEBHOOK,
        }
    )
    assert settings.history_data_dir == Path("~/dashboard-history").expanduser()
    assert settings.anomaly_factor == 2.5
    shown = repr(settings)
    assert "s3cret-pass" not in shown
    assert "TOKENSECRET" not in shown
    assert "db.internal" in shown
    assert "total=5000" in shown
    # The webhook's path is its token: masked wherever it turns up.
    assert "TOKENSECRET" not in redact("POST /services/T0001/B0002/TOKENSECRET12345 failed")


def test_the_cache_key_follows_the_history_settings() -> None:
    keys = {
        Settings.from_env(environ).cache_key
        for environ in ({}, {"BUDGETS": "total=1"}, {"ANOMALY_FACTOR": "3"},
                        {"ALERT_WEBHOOK_URL": WEBHOOK}, {"HISTORY_DATA_DIR": "/srv/h"})
    }  # fmt: skip
    assert len(keys) == 5


@pytest.mark.parametrize(
    ("name", "value", "complaint"),
    [
        ("HISTORY_DATABASE_URL", "mysql://x@y/z", "must start with one of postgres://"),
        ("ANOMALY_FACTOR", "1", "must be a number above 1"),
        ("ANOMALY_FACTOR", "inf", "must be a number above 1"),
        ("ALERT_WEBHOOK_URL", "ftp://files.example.com/TOKENSECRET99", "must be an http(s) URL"),
        ("ALERT_WEBHOOK_URL", "https://[::1/TOKENSECRET99", "is not a valid URL"),
    ],
)
def test_a_malformed_history_setting_stops_with_its_name(
    name: str, value: str, complaint: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({name: value})
    assert caught.value.setting == name
    assert complaint in str(caught.value)
    assert "TOKENSECRET" not in str(caught.value)
