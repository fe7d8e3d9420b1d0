"""The two health sections other pages embed, each in a tiny app of its own: the Overview's
health strip and the Databases page's "Connected PostgreSQL"."""

from __future__ import annotations

import json

import pytest
import valkey
from streamlit.testing.v1 import AppTest

from tests.app.markup import seen
from vultr_core.simulator import DEMO_API_KEY, Simulator

CLOSED_POSTGRES = "postgresql://monitor:pw-SENTINEL-5e11@127.0.0.1:1/app"


def strip_app() -> None:
    from ui import health
    from ui.settings import settings

    health.render_health_strip(settings())


def postgres_app() -> None:
    from ui import health
    from ui.settings import settings

    health.render_connected_postgres(settings())


@pytest.fixture
def servers(
    monkeypatch: pytest.MonkeyPatch,
    postgres_url: str,
    valkey_url: str,
    valkey_client: valkey.Valkey,
) -> None:
    """Demo mode (simulated Vultr) watching the test PostgreSQL and Valkey."""
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("VALKEY_URL", valkey_url)


def run(script: object) -> AppTest:
    app = AppTest.from_function(script, default_timeout=30).run()  # type: ignore[arg-type]
    assert not app.exception
    return app


def test_the_strip_has_one_card_per_service_with_status_and_latency(servers: None) -> None:
    app = run(strip_app)
    cards = ["postgres", "valkey", "management", "inference"]
    for name in cards:
        card = app.get_by_key(f"ovw_health_{name}")
        assert card is not None
    assert [m.label for m in app.metric] == ["Latency"] * 4
    assert all(m.value.endswith(" ms") for m in app.metric)
    badges = [m.value for m in app.markdown if "badge[" in m.value]
    assert badges == [
        f"**{label}** :green-badge[:material/check_circle: Up]"
        for label in ("PostgreSQL", "Valkey", "Management API", "Inference API")
    ]
    assert any(c.value.endswith("connections") for c in app.caption)
    assert app.toggle(key="ovw_health_auto").value is False


def test_turning_auto_refresh_on_keeps_the_cards(servers: None) -> None:
    app = run(strip_app)
    app.toggle(key="ovw_health_auto").set_value(True).run()
    assert not app.exception
    assert app.toggle(key="ovw_health_auto").value is True
    assert len(app.metric) == 4


def test_a_down_database_shows_its_reason_and_the_other_cards_stay_up(
    monkeypatch: pytest.MonkeyPatch, valkey_url: str, valkey_client: valkey.Valkey
) -> None:
    monkeypatch.setenv("DATABASE_URL", CLOSED_POSTGRES)
    monkeypatch.setenv("VALKEY_URL", valkey_url)
    app = run(strip_app)
    (error,) = app.error
    assert "Connection refused" in error.value
    assert "pw-SENTINEL-5e11" not in error.value
    badges = [m.value for m in app.markdown if "badge[" in m.value]
    assert badges[0] == "**PostgreSQL** :red-badge[:material/error: Down]"
    assert all("Up]" in badge for badge in badges[1:])


def test_check_now_checks_again(servers: None) -> None:
    from vultr_core.config import Settings
    from vultr_core.health import registry

    app = run(strip_app)
    history = registry.health_history(Settings.from_env())
    before = len(history.recent("postgres"))
    app.button(key="ovw_health_refresh").click().run()
    assert not app.exception
    assert len(history.recent("postgres")) == before + 1


def test_connected_postgres_shows_latency_distribution_pool_server_and_verdicts(
    servers: None, postgres_url: str
) -> None:
    import psycopg

    with psycopg.connect(postgres_url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    app = run(postgres_app)

    assert [m.label for m in app.metric] == [
        "Latency p50",
        "Latency p95",
        "Connections",
        "Database size",
        "Table cache hits",
    ]
    assert " of " in app.metric[2].value
    charts = app.get("echarts_chart")
    assert [chart.key for chart in charts] == ["db_pg_distribution", "db_pg_history"]
    distribution, history = (json.loads(chart.proto.spec) for chart in charts)
    (bars,) = distribution["series"]
    assert bars["type"] == "bar"
    assert sum(bar["value"][1] for bar in bars["data"]) == 20, "every round trip in a bin"
    marks = {mark["name"]: mark["xAxis"] for mark in bars["markLine"]["data"]}
    assert list(marks) == ["p50", "p95", "p99"]
    assert marks["p50"] <= marks["p95"] <= marks["p99"]
    assert distribution["title"]["text"] == "Last 20 round trips"
    assert distribution["title"]["subtext"] == (
        f"p50 {marks['p50']:.2f} · p95 {marks['p95']:.2f} · p99 {marks['p99']:.2f} ms"
    )
    assert app.metric[0].value == f"{marks['p50']:.2f} ms"
    assert history["xAxis"]["type"] == "time"
    p50, p95 = history["series"][:2]
    assert [p50["name"], p95["name"]] == ["p50", "p95"]
    assert p50["data"]
    assert all(value > 0 for _, value in p50["data"])
    verdicts = [seen(m.value) for m in app.markdown if " · " in m.value]
    assert len(verdicts) == 8
    assert any(
        "**Long-running queries** · No queries running longer than 60 s" in v for v in verdicts
    )
    pool, server = (frame.value for frame in app.dataframe)
    assert "saturation" in set(pool["figure"])
    assert dict(zip(server["figure"], server["value"], strict=True))["version"] == version


def test_a_down_database_shows_the_error_and_the_down_mark_on_the_history(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", CLOSED_POSTGRES)
    app = run(postgres_app)
    (error,) = app.error
    assert error.value.startswith("Could not load the connected PostgreSQL.")
    assert "Connection refused" in error.value
    (chart,) = app.get("echarts_chart")
    assert chart.key == "db_pg_history"
    (down,) = [s for s in json.loads(chart.proto.spec)["series"] if s["name"] == "down"]
    assert down["type"] == "scatter"
    assert down["data"]
    assert all(mark["value"][1] == 0 for mark in down["data"])


def test_with_a_real_key_and_no_database_url_it_says_what_to_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VULTR_API_KEY", "a-real-looking-key")
    app = run(postgres_app)
    (info,) = app.info
    assert info.value == "Set DATABASE_URL to watch your PostgreSQL."
    assert not app.get("echarts_chart")


def test_with_a_real_key_the_strip_names_what_the_app_uses_instead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pointed at the served simulator with no VALKEY_URL and no inference key: Cache Tools
    use a throwaway local Valkey and the chat a simulated API; the cards say so, and how to
    watch the real ones, rather than a bare "Not configured"."""
    with Simulator(size="small").serve() as server:
        monkeypatch.setenv("VULTR_API_KEY", DEMO_API_KEY)
        monkeypatch.setenv("VULTR_API_URL", f"{server.base_url}/v2")
        app = run(strip_app)
    badges = [m.value for m in app.markdown if "badge[" in m.value]
    assert badges == [
        "**PostgreSQL** :gray-badge[:material/remove_circle: Not configured]",
        "**Valkey** :gray-badge[:material/science: Local throwaway]",
        "**Management API** :green-badge[:material/check_circle: Up]",
        "**Inference API** :gray-badge[:material/science: Simulated]",
    ]
    captions = " ".join(seen(c.value) for c in app.caption)
    assert "throwaway Valkey on this machine" in captions
    assert "Set VALKEY_URL to watch your Valkey" in captions
    assert "Inference Chat answers from the simulator" in captions
    assert "Set VULTR_INFERENCE_API_KEY" in captions
