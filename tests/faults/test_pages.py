"""Every page against every case: it ends with the failing section saying, in a sentence, what
went wrong; no traceback, no secret, and every section that does not need the broken service
still on screen.

Each page runs from its own file, as Streamlit runs a page without the router (ui.page.start_page
says why it copes): through app.py, AppTest would first run the Overview, under the same
fault, before every other page.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import valkey
from streamlit.testing.v1 import AppTest

from tests.app.markup import seen
from tests.faults.cases import CASES, SAYS, SECRETS, Case
from tests.faults.conftest import Note, Vultr, settings_for
from tests.streamlit_support import everything, fresh_streamlit

ROOT = Path(__file__).resolve().parents[2]
# Up, or degraded by a check on the machine's own server: anything but down.
NOT_DOWN = "(green|orange)-badge"
# A refused key is said once, under the title, in place of every section's "HTTP 401".
REFUSED_KEY = r"^Vultr (Serverless Inference )?refused the (API )?key"


@dataclass(frozen=True)
class Expect:
    """What a page shows in one case.

    ``errors``: each pattern matches at least one st.error, and every st.error matches one of
    them (no failure spills into another section). ``shown``: patterns that must match a line
    of the rest of the page (a metric reads "label: value").
    """

    errors: tuple[str, ...] = ()
    shown: tuple[str, ...] = ()


@dataclass(frozen=True)
class Page:
    title: str
    file: str
    # The path the simulator's faults hit, and the error of the section that needs it (None:
    # nothing on the page needs it), with what must still show beside it.
    target: str
    section: str | None
    beside: tuple[str, ...]
    management_down: Expect
    postgres_down: Expect
    valkey_down: Expect
    empty: tuple[str, ...]

    def expect(self, case: Case) -> Expect:
        if case.refuses_key and case.kind == "api":
            return Expect((REFUSED_KEY,) if self.section else (), self.beside)
        if case.refuses_key:
            refused = (REFUSED_KEY,) if self.management_down.errors else ()
            return Expect(refused, self.management_down.shown)
        if case.kind == "api":
            errors = (f"^{self.section} .*{SAYS}",) if self.section else ()
            return Expect(errors, self.beside)
        if case.kind in ("wrong key", "unreachable"):
            return self.management_down
        if case.kind == "postgres down":
            return self.postgres_down
        if case.kind == "valkey down":
            return self.valkey_down
        return Expect(shown=self.empty)


PAGES = (
    Page(
        title="Overview",
        file="overview",
        target="/v2/billing/invoices",
        section=r"Could not load the invoices\. GET /v2/billing/invoices",
        beside=(
            r"^Month to date: \$[1-9]",
            r"^Monthly list price of everything running now: \$[1-9]",
            r"\*\*Management API\*\* :green-badge",
        ),
        management_down=Expect(
            errors=(
                rf"^Could not load the account\. GET /v2/account .*{SAYS}",
                rf"^Could not load the invoices\. GET /v2/billing/invoices .*{SAYS}",
                rf"^Could not load the resource inventory\. GET /v2/\S+ .*{SAYS}",
                rf"^GET /v2/account .*{SAYS}",
            ),
            shown=(
                r"\*\*Management API\*\* :red-badge",
                rf"\*\*PostgreSQL\*\* :{NOT_DOWN}",
                rf"\*\*Valkey\*\* :{NOT_DOWN}",
                r"\*\*Inference API\*\* :green-badge",
            ),
        ),
        postgres_down=Expect(
            errors=(rf"^Could not reach PostgreSQL at 127\.0\.0\.1:\d+/app .*{SAYS}",),
            shown=(
                r"\*\*PostgreSQL\*\* :red-badge",
                rf"\*\*Valkey\*\* :{NOT_DOWN}",
                r"^Month to date: \$[1-9]",
            ),
        ),
        valkey_down=Expect(
            errors=(rf"^Could not reach Valkey at .*{SAYS}",),
            shown=(
                r"\*\*Valkey\*\* :red-badge",
                rf"\*\*PostgreSQL\*\* :{NOT_DOWN}",
                r"^Month to date: \$[1-9]",
                r"^Monthly list price of everything running now: \$[1-9]",
            ),
        ),
        empty=(
            r"^Month to date: \$0\.00$",
            r"^Balance: \$0\.00$",
            r"^Last payment: none$",
            r"^Monthly list price of everything running now: \$0\.00$",
            r"^Nothing idle or unusual found\.$",
        ),
    ),
    Page(
        title="Instances",
        file="instances",
        target="/v2/plans",
        section=r"Could not load the plan prices\. GET /v2/plans",
        beside=(r"^Instances shown: [1-9]", r"^Monthly cost: —$", r"^Stopped but still billed$"),
        management_down=Expect(
            errors=(rf"^Could not load the instances\. GET /v2/instances .*{SAYS}",),
            shown=(r"^Instances$",),
        ),
        postgres_down=Expect(shown=(r"^Instances shown: [1-9]", r"^Monthly cost: \$[1-9]")),
        valkey_down=Expect(shown=(r"^Instances shown: [1-9]", r"^Monthly cost: \$[1-9]")),
        empty=(
            r"^Instances shown: 0$",
            r"^Monthly cost: \$0\.00$",
            r"^No stopped instances among those shown\.$",
        ),
    ),
    Page(
        title="Databases",
        file="databases",
        target="/v2/databases",
        section=r"Could not load the databases\. GET /v2/databases",
        beside=(r"^Connected PostgreSQL$", r"^Latency p50: [\d.]+ ms$"),
        management_down=Expect(
            errors=(rf"^Could not load the databases\. GET /v2/databases .*{SAYS}",),
            shown=(r"^Connected PostgreSQL$", r"^Latency p50: [\d.]+ ms$"),
        ),
        postgres_down=Expect(
            errors=(rf"^Could not load the connected PostgreSQL\. .*{SAYS}",),
            shown=(r"^Databases shown: [1-9]", r"^Monthly cost: \$[1-9]"),
        ),
        valkey_down=Expect(shown=(r"^Databases shown: [1-9]", r"^Latency p50: [\d.]+ ms$")),
        empty=(r"^Databases shown: 0$", r"^Monthly cost: \$0\.00$", r"^Latency p50: [\d.]+ ms$"),
    ),
    Page(
        title="Valkey",
        file="valkey_health",
        target="/v2/databases",
        section=r"Could not load the managed Valkey instances\. GET /v2/databases",
        beside=(r"^Connected Valkey$", r"^PING p50: [\d.]+ ms$"),
        management_down=Expect(
            errors=(rf"^Could not load the managed Valkey instances\. GET /v2/databases .*{SAYS}",),
            shown=(r"^Connected Valkey$", r"^PING p50: [\d.]+ ms$"),
        ),
        postgres_down=Expect(shown=(r"^Instances: [1-9]", r"^PING p50: [\d.]+ ms$")),
        valkey_down=Expect(
            errors=(rf"^Could not load the connected Valkey\. .*{SAYS}",),
            shown=(r"^Instances: [1-9]", r"^Monthly cost: \$[1-9]"),
        ),
        empty=(r"^Instances: 0$", r"^Monthly cost: \$0\.00$", r"^PING p50: [\d.]+ ms$"),
    ),
    Page(
        title="Inference Chat",
        file="inference_chat",
        target="/v1",
        section=r"Could not load the inference models\. GET /v1/models",
        beside=(r"^Inference tokens this month: [1-9]", r"^Inference cost this month: \$"),
        management_down=Expect(
            errors=(rf"^Could not load this month's inference usage\. GET /v2/\S+ .*{SAYS}",),
            shown=(r"^Chat settings$",),
        ),
        postgres_down=Expect(shown=(r"^Inference tokens this month: [1-9]", r"^Chat settings$")),
        valkey_down=Expect(shown=(r"^Inference tokens this month: [1-9]", r"^Chat settings$")),
        empty=(r"^No Serverless Inference subscription on this account\.$", r"^Chat settings$"),
    ),
    Page(
        title="Cache Tools",
        file="cache_tools",
        # Cache Tools never asks Vultr: the whole API may fail under it.
        target="",
        section=None,
        beside=(r"^Hit ratio: ", r"^Namespace `vultr-dashboard` on "),
        management_down=Expect(shown=(r"^Hit ratio: ", r"^Namespace `vultr-dashboard` on ")),
        postgres_down=Expect(shown=(r"^Hit ratio: ", r"^Namespace `vultr-dashboard` on ")),
        valkey_down=Expect(
            errors=(rf"^Could not load the cache\. .*{SAYS}",), shown=(r"^Cache Tools$",)
        ),
        empty=(r"^Hit ratio: ", r"^Namespace `vultr-dashboard` on "),
    ),
)


@pytest.fixture
def fresh_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No setting from the machine, and no result or client left over from another case."""
    with fresh_streamlit(monkeypatch):
        yield


def run_page(page: Page) -> tuple[AppTest, float]:
    started = time.perf_counter()
    app = AppTest.from_file(str(ROOT / "pages" / f"{page.file}.py"), default_timeout=30).run()
    return app, time.perf_counter() - started


def read(app: AppTest) -> tuple[list[str], str]:
    """The page's errors, and every other line a person reads (a metric as "label: value")."""
    errors = [seen(str(element.value)) for element in app.error]
    lines = [
        *(seen(str(e.value)) for e in (*app.title, *app.subheader, *app.markdown, *app.caption)),
        *(seen(str(e.value)) for e in (*app.info, *app.success, *app.warning)),
        *(f"{metric.label}: {metric.value}" for metric in app.metric),
    ]
    return errors, "\n".join(lines)


def outcome(errors: list[str]) -> str:
    if not errors:
        return "no error, page rendered"
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{errors[0][:90]}{more}"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.file)
def test_a_page_shows_the_failure_in_its_section_and_the_rest(
    page: Page,
    case: Case,
    broken: Vultr,
    postgres_url: str,
    valkey_url: str,
    valkey_client: valkey.Valkey,
    fresh_app: None,
    monkeypatch: pytest.MonkeyPatch,
    note: Note,
) -> None:
    for name, value in settings_for(
        case, broken, database_url=postgres_url, valkey_url=valkey_url
    ).items():
        monkeypatch.setenv(name, value)
    if case.kind == "api":
        broken.simulator.faults = case.faults(page.target)

    app, seconds = run_page(page)

    errors, text = read(app)
    note(f"page {page.title}", case.name, outcome(errors), seconds)
    assert not app.exception
    expect = page.expect(case)
    patterns = [case.fill(pattern) for pattern in expect.errors]
    allowed = [*patterns, *case.may_also]
    assert [e for e in errors if not any(re.search(p, e) for p in allowed)] == []
    assert [p for p in patterns if not any(re.search(p, e) for e in errors)] == []
    assert [p for p in expect.shown if not re.search(p, text, re.MULTILINE)] == []
    sent = everything(app)
    assert "Traceback" not in sent
    assert [secret for secret in SECRETS if secret in sent] == []
