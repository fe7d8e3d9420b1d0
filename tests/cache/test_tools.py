"""Cache Tools' changes: the app's own keys are out of reach, and only verified admins change."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import valkey

from tests.conftest import FIXED_NOW, simulator_options
from vultr_core.api.cached_management import (
    CachedManagementClient,
    entry_key,
    kind_tag,
    scope_tag,
)
from vultr_core.api.errors import RefusedError
from vultr_core.cache.audit import recent_actions, record_action
from vultr_core.cache.browser import browse_keys
from vultr_core.cache.protected import app_family
from vultr_core.cache.store import DEFAULT_NAMESPACE, CacheHelper
from vultr_core.cache.tools import CacheTools, Operator
from vultr_core.config import Settings
from vultr_core.health.history import HealthSample, ValkeyStreamHistory
from vultr_core.inference.limits import ValkeyRateLimiter, limiter_key
from vultr_core.simulator import Simulator
from vultr_core.spend.closed_invoices import ValkeyClosedInvoices

SCOPE = "acct1"
ADMIN = Operator("ops@example.com", email_verified=True)


@pytest.fixture
def cache(valkey_client: valkey.Valkey) -> CacheHelper:
    """The app's own namespace, where the families of vultr_core.cache.protected live."""
    return CacheHelper(valkey_client, namespace=DEFAULT_NAMESPACE)


def management_client(cache: CacheHelper) -> CachedManagementClient:
    options = simulator_options(Simulator(size="small", now=FIXED_NOW))
    return CachedManagementClient(options.pop("api_key"), cache=cache, scope=SCOPE, **options)


def write_like_the_app(cache: CacheHelper, valkey_client: valkey.Valkey) -> None:
    """Every writer of the app, once: management cache, counters, limiter, history, audit,
    closed invoices."""
    client = management_client(cache)
    client.account()
    invoice = client.invoices()[0]
    ValkeyClosedInvoices(valkey_client).put(SCOPE, invoice.id, client.invoice_items(invoice.id))
    cache.flush_stats()
    ValkeyRateLimiter(valkey_client, limiter_key("key"), 60, sleep=lambda _s: None).acquire()
    sample = HealthSample(datetime.now(UTC), "valkey", "up", 1.5)
    ValkeyStreamHistory(valkey_client).append([sample])
    record_action(cache, who="ops@example.com", action="invalidate tag", target="t", key_count=0)


def test_every_key_the_app_writes_is_in_a_listed_family_and_marked_in_the_browser(
    cache: CacheHelper, valkey_client: valkey.Valkey
) -> None:
    write_like_the_app(cache, valkey_client)
    names = [name.decode() for name in valkey_client.scan_iter(count=1000)]
    assert len(names) >= 7
    unlisted = [name for name in names if app_family(name, DEFAULT_NAMESPACE) is None]
    assert unlisted == []
    rows = browse_keys(cache, page_size=1000).rows
    assert {row.app_data for row in rows} >= {
        "the management API cache",
        "the inference rate limiter",
        "the health history",
        "the Cache Tools audit log",
        "the closed invoices' items",
    }
    assert None not in {row.app_data for row in rows}


def test_a_key_the_tools_wrote_is_not_marked_as_the_app_s(cache: CacheHelper) -> None:
    CacheTools(cache, Settings()).set_with_tags(ADMIN, "report", 1, ["reports"])
    rows = {row.name: row.app_data for row in browse_keys(cache).rows}
    assert rows[cache.value_key("report")] is None
    assert rows[cache.tag_key("reports")] is None


ACCOUNT = entry_key(SCOPE, "account", [], {})
FORGED = {"balance_usd": -999_999.0}
CHANGES: dict[str, Callable[[CacheTools], Any]] = {
    "set the entry": lambda tools: tools.set_with_tags(ADMIN, ACCOUNT, FORGED, []),
    "compute the entry": lambda tools: tools.fetch(ADMIN, ACCOUNT, lambda: FORGED),
    "take the entry": lambda tools: tools.take(ADMIN, ["mine", ACCOUNT]),
    "invalidate the account's tag": lambda tools: tools.invalidate_tag(ADMIN, scope_tag(SCOPE)),
    "invalidate a kind's tag": lambda tools: tools.invalidate_tag(
        ADMIN, kind_tag(SCOPE, "account")
    ),
    "join a management tag": lambda tools: tools.set_with_tags(
        ADMIN, "mine", 1, ["mine", scope_tag(SCOPE)]
    ),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_the_management_cache_is_read_only_from_the_tools(
    cache: CacheHelper, valkey_client: valkey.Valkey, change: Callable[[CacheTools], Any]
) -> None:
    client = management_client(cache)
    balance = client.account().balance_usd
    cache.set_with_tags("mine", 1, ["mine"])
    before = {name: valkey_client.dump(name) for name in valkey_client.scan_iter()}
    with pytest.raises(RefusedError, match=r"is the app's own data \(the management API cache"):
        change(CacheTools(cache, Settings()))
    after = {name: valkey_client.dump(name) for name in valkey_client.scan_iter()}
    assert after == before, "nothing changed, not even the playground key beside it"
    assert client.account().balance_usd == balance
    assert recent_actions(cache) == []


def test_allowed_changes_are_audited_with_who_and_what(cache: CacheHelper) -> None:
    tools = CacheTools(cache, Settings())
    tools.set_with_tags(ADMIN, "a", 1, ["t"])
    assert tools.fetch(Operator(), "b", lambda: 2).source == "computed"
    assert tools.fetch(Operator(), "b", lambda: 2).source == "hit"
    assert [(e.who, e.action, e.target) for e in recent_actions(cache)] == [
        ("anonymous", "compute", "b"),
        ("ops@example.com", "set", "a"),
    ]


ADMINS = Settings(cache_admin_emails=frozenset({"admin@example.com"}))


@pytest.mark.parametrize(
    ("operator", "reason"),
    [
        (
            Operator(),
            "only the addresses in CACHE_ADMIN_EMAILS may change the cache, and you are not "
            "signed in",
        ),
        (
            Operator("Admin@Example.com", email_verified=False),
            "only the addresses in CACHE_ADMIN_EMAILS may change the cache, and your sign-in "
            "provider has not verified Admin@Example.com",
        ),
        (
            Operator("eve@example.com", email_verified=True),
            "only the addresses in CACHE_ADMIN_EMAILS may change the cache; eve@example.com is "
            "not one of them",
        ),
    ],
)
def test_with_an_admin_list_only_listed_verified_addresses_change_anything(
    cache: CacheHelper, operator: Operator, reason: str
) -> None:
    cache.set_many({"a": 1}, ["t"])
    tools = CacheTools(cache, ADMINS)
    assert tools.refusal(operator) == reason
    for change in (
        lambda: tools.set_with_tags(operator, "b", 2, []),
        lambda: tools.fetch(operator, "b", lambda: 2),
        lambda: tools.take(operator, ["a"]),
        lambda: tools.invalidate_tag(operator, "t"),
    ):
        with pytest.raises(RefusedError, match=re.escape(reason[1:])):
            change()
    assert [info.exists for info in cache.describe_keys(["a", "b"])] == [True, False]
    assert recent_actions(cache) == []


@pytest.mark.parametrize("verified", [True, None], ids=["verified", "provider sends no claim"])
def test_a_listed_address_changes_the_cache_when_verified_or_when_the_provider_cannot_say(
    cache: CacheHelper, verified: bool | None
) -> None:
    cache.set_many({"a": 1}, ["t"])
    operator = Operator("Admin@Example.com", email_verified=verified)
    tools = CacheTools(cache, ADMINS)
    assert tools.refusal(operator) is None
    assert tools.invalidate_tag(operator, "t") == 1


def test_the_admin_list_is_the_one_in_force_when_the_action_runs(cache: CacheHelper) -> None:
    cache.set_many({"a": 1}, ["t"])
    operator = Operator("admin@example.com", email_verified=True)
    assert CacheTools(cache, ADMINS).refusal(operator) is None
    others = Settings(cache_admin_emails=frozenset({"ops@example.com"}))
    with pytest.raises(RefusedError, match=r"admin@example\.com is not one of them"):
        CacheTools(cache, others).invalidate_tag(operator, "t")
    assert cache.describe_keys(["a"])[0].exists


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"is_logged_in": False, "email": "a@example.com"}, Operator()),
        ({"is_logged_in": True}, Operator()),
        ({"is_logged_in": True, "email": " a@example.com "}, Operator("a@example.com")),
        ({"is_logged_in": True, "email": "a@x", "email_verified": True}, Operator("a@x", True)),
        ({"is_logged_in": True, "email": "a@x", "email_verified": False}, Operator("a@x", False)),
        # Cognito sends the claim as a string.
        ({"is_logged_in": True, "email": "a@x", "email_verified": "false"}, Operator("a@x", False)),
        ({"is_logged_in": True, "email": "a@x", "email_verified": "TRUE"}, Operator("a@x", True)),
        ({"is_logged_in": True, "email": "a@x", "email_verified": "yes?"}, Operator("a@x", False)),
        ({"is_logged_in": True, "email": "a@x", "email_verified": 1}, Operator("a@x", False)),
        ({"is_logged_in": True, "email": "a@x", "email_verified": None}, Operator("a@x", None)),
    ],
)
def test_sign_in_claims_become_an_operator(claims: dict[str, Any], expected: Operator) -> None:
    assert Operator.from_claims(claims) == expected
