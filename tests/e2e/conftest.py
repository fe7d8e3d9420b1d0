"""The app served by a real `streamlit run`, driven by Debian's Chromium through Playwright.

Run alone with ``uv run pytest -m e2e``. Without /usr/bin/chromium these tests skip with a
reason (.ci/run installs it); they never download a browser of their own.

Every test shares one server (the ``app`` fixture), configured as a deployment would be: a
management key, an inference key, a PostgreSQL role and a Valkey user, all against local
servers: a simulated Vultr served by this process on loopback, and the test PostgreSQL and
Valkey. Every key and password it is given, and every secret field the simulated API returns,
is a sentinel string that must never show in a page or in the server's log. When the run ends,
the simulator's request log must hold reads only: the app never writes to Vultr.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.sentinel_servers import app_environment, sentinel_postgres_url, sentinel_valkey_url
from tests.streamlit_support import SETTING_NAMES, history_test_database, session_data_dir
from vultr_core.simulator import DEMO_REPLY_PACE, Simulator

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SERVER_START_TIMEOUT_S = 90
IDLE_TIMEOUT_MS = 60_000
# How long an expectation waits for what it expects (Playwright's default is 5 s). This bounds a
# wait, it measures nothing: the suite runs in parallel workers, and on a busy 2-core machine a
# page's first chart or a streamed reply can take longer than 5 s to appear.
expect.set_options(timeout=30_000)

MANAGEMENT_KEY = "MGMTKEYSENTINEL4f1e9a"
INFERENCE_KEY = "INFKEYSENTINEL9c3d70"
API_SECRET = "APISECRETSENTINEL7b2c"
POSTGRES_PASSWORD = "PGPASSSENTINEL5d3a18"
VALKEY_PASSWORD = "VKPASSSENTINEL8e6f42"
SENTINELS = {
    "the management API key": MANAGEMENT_KEY,
    "the inference API key": INFERENCE_KEY,
    "a secret field of the API (database password, subscription key…)": API_SECRET,
    "the PostgreSQL password": POSTGRES_PASSWORD,
    "the Valkey password": VALKEY_PASSWORD,
}
POSTGRES_ROLE = "vultr_dashboard_e2e"
VALKEY_USER = "vultr-dashboard-e2e"
# The only POSTs that read: the database alerts query, and a chat reply.
READING_POSTS = (re.compile(r"/v2/databases/[^/]+/alerts"), re.compile(r"/v1/chat/completions"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# What the tests add to `streamlit run app.py` besides the port: loopback, no file watcher.
TEST_FLAGS = (
    "--server.headless",
    "true",
    "--server.address",
    "127.0.0.1",
    "--server.fileWatcherType",
    "none",
)


def start_app(
    environ: dict[str, str],
    log_path: Path | None = None,
    *,
    app_dir: Path = ROOT,
    flags: tuple[str, ...] = TEST_FLAGS,
) -> tuple[subprocess.Popen[bytes], str]:
    """`streamlit run app.py` on a free port; returns once /_stcore/health says ok.

    With ``log_path``, the server's stdout and stderr go there, for tests that read them;
    ``app_dir`` holds the app.py to run (benchmarks run a baseline app beside ours);
    ``flags=()`` runs it as the README does, with only the port added.
    """
    port = free_port()
    log = log_path.open("wb") if log_path else None
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            *flags,
            "--server.port",
            str(port),
        ],
        cwd=app_dir,
        env=environ,
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
    )
    if log:
        log.close()  # the child holds its own descriptor
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with status {process.returncode}")
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=1).text == "ok":
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"streamlit did not answer on {url} within {SERVER_START_TIMEOUT_S} s")


def demo_environ() -> dict[str, str]:
    """This process's environment without any setting of the app's: demo mode, defaults; the
    history in the test session's own database, no background snapshot, and the app's files
    in the session's own folder."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("VULTR_", "TEST_", "INFERENCE_")) and name not in SETTING_NAMES
    } | {
        "HISTORY_DATABASE_URL": history_test_database(),
        "HISTORY_APP_SNAPSHOTS": "0",
        "DASHBOARD_DATA_DIR": session_data_dir(),
    }


def stop_app(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def leaked(text: str) -> list[str]:
    """Which sentinels the text contains, by what they stand for."""
    return [what for what, sentinel in SENTINELS.items() if sentinel in text]


def is_read(method: str, path: str) -> bool:
    """Whether a request to the simulated Vultr only reads (a chat reply counts as a read)."""
    return method == "GET" or (
        method == "POST" and any(post.fullmatch(path) for post in READING_POSTS)
    )


@dataclass(frozen=True)
class ServedApp:
    """The shared server: its URL, the simulated Vultr behind it (``vultr_url`` serves /v2
    and /v1), its log, and the Valkey it uses (``valkey_url`` logs in as the test's own user,
    to seed and inspect it)."""

    url: str
    simulator: Simulator
    vultr_url: str
    log_path: Path
    valkey_url: str


def after_the_run(simulator: Simulator, log_path: Path) -> list[str]:
    """What went wrong over the whole run: a write to Vultr, or a sentinel in the log."""
    requests = simulator.request_log
    problems = [] if requests else ["the simulated Vultr received no request at all"]
    writes = sorted({(r.method, r.path) for r in requests if not is_read(r.method, r.path)})
    if writes:
        problems.append(f"the app wrote to Vultr: {writes}")
    if found := leaked(log_path.read_text(errors="replace")):
        problems.append(f"the server's log holds {', '.join(found)}")
    return problems


@pytest.fixture(scope="package")
def app(
    browser: Browser,
    postgres_url: str,
    valkey_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServedApp]:
    """The app with every setting a sentinel, shared by every e2e test (none without a browser).

    Once the last of them has run, it stops the app and checks the whole run: it fails (an
    error in that last test's teardown) if the app wrote to Vultr or logged a sentinel.
    """
    simulator = Simulator(
        size="small",
        api_key=MANAGEMENT_KEY,
        secret_sentinel=API_SECRET,
        inference_api_key=INFERENCE_KEY,
    )
    # A hosted model's pace, so that a reply visibly streams.
    simulator.set_faults(**DEMO_REPLY_PACE)
    log_path = tmp_path_factory.mktemp("app") / "streamlit.log"
    with (
        simulator.serve() as server,
        sentinel_postgres_url(postgres_url, POSTGRES_PASSWORD, name=POSTGRES_ROLE) as database_url,
        sentinel_valkey_url(valkey_url, VALKEY_PASSWORD, name=VALKEY_USER) as cache_url,
    ):
        environ = demo_environ() | app_environment(
            server.base_url, (MANAGEMENT_KEY, INFERENCE_KEY), database_url, cache_url
        )
        process, url = start_app(environ, log_path)
        try:
            yield ServedApp(url, simulator, server.base_url, log_path, valkey_url)
        finally:
            stop_app(process)
    if problems := after_the_run(simulator, log_path):
        pytest.fail("After the end-to-end run: " + "; ".join(problems), pytrace=False)


@pytest.fixture(scope="package")
def app_url(app: ServedApp) -> str:
    return app.url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium chromium-driver)")
    with chromium() as launched:
        yield launched


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's headless Chromium with the project's flags (the tests' and the benches')."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser session; whatever a test ends on must hold no sentinel either."""
    context = browser.new_context(viewport={"width": 1280, "height": 1500}, accept_downloads=True)
    opened = context.new_page()
    yield opened
    html = opened.content()
    context.close()
    assert not leaked(html), f"the page a test ended on shows {leaked(html)}"


def wait_idle(page: Page) -> None:
    """Until the websocket is up and the script has finished its run."""
    expect(
        page.locator("[data-testid='stApp'][data-test-connection-state='CONNECTED']")
    ).to_be_attached(timeout=IDLE_TIMEOUT_MS)
    expect(
        page.locator("[data-testid='stApp'][data-test-script-state='notRunning']")
    ).to_be_attached(timeout=IDLE_TIMEOUT_MS)


PAGE_PATHS = {
    "Overview": "/",
    "Instances": "/instances",
    "Databases": "/databases",
    "Valkey": "/valkey",
    "Inference Chat": "/inference-chat",
    "Cache Tools": "/cache-tools",
}


def open_page(page: Page, app_url: str, title: str) -> None:
    """A page by its own URL, as a shared link opens it; returns once it finished its run."""
    page.goto(app_url + PAGE_PATHS[title])
    wait_idle(page)
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    wait_idle(page)


def follow_sidebar(page: Page, title: str) -> None:
    """Click a page's link in the sidebar; returns once that page has finished its run."""
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    wait_idle(page)


def send_prompt(page: Page, prompt: str) -> None:
    """Type a prompt into Inference Chat and send it; returns while the reply streams."""
    page.get_by_test_id("stChatInputTextArea").fill(prompt)
    page.keyboard.press("Enter")
    expect(page.locator(".st-key-chat_stop_reply")).to_be_visible()


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
