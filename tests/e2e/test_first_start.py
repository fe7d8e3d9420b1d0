"""A first `streamlit run app.py`, with no flag: open to this machine only (not to anyone on
the network, which Streamlit's default would be), and its icon served by the app itself, so a
machine without internet access shows it too."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser

from tests.e2e.conftest import demo_environ, start_app, stop_app

LISTENING = "0A"


def listening_addresses(port: int) -> set[str]:
    """The addresses a TCP socket listens on at ``port``, from the kernel's own tables."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state != LISTENING or int(hex_port, 16) != port:
                continue
            # The kernel prints each 32-bit word of the address in host (little-endian) order.
            words = [address[i : i + 8] for i in range(0, width, 8)]
            packed = b"".join(bytes.fromhex(word)[::-1] for word in words)
            found.add(str(ipaddress.ip_address(packed)))
    return found


@pytest.fixture
def first_start(tmp_path: Path) -> Iterator[tuple[str, int, Path]]:
    """The app as the README's first command starts it: only a port of our choosing added."""
    log_path = tmp_path / "streamlit.log"
    process, url = start_app(demo_environ(), log_path, flags=())
    port = urlsplit(url).port
    assert port is not None
    try:
        yield url, port, log_path
    finally:
        stop_app(process)


def test_first_start_is_for_this_machine_only_and_serves_its_own_icon(
    first_start: tuple[str, int, Path], browser: Browser
) -> None:
    url, port, log_path = first_start
    addresses = listening_addresses(port)
    assert addresses, "nothing listens on the app's port"
    assert all(ipaddress.ip_address(a).is_loopback for a in addresses), addresses
    printed = log_path.read_text(errors="replace")
    assert "Did not auto detect external IP" not in printed
    assert "Network URL" not in printed

    page = browser.new_page()
    try:
        page.goto(url)
        icon = page.locator("link[rel='shortcut icon']")
        page.wait_for_function(
            "() => (document.querySelector(\"link[rel='shortcut icon']\")?.href || '')"
            ".includes('/media/')",
            timeout=60_000,
        )
        href = urljoin(url, icon.get_attribute("href") or "")
    finally:
        page.close()
    assert urlsplit(href).netloc == urlsplit(url).netloc, href
    served = httpx.get(href, timeout=5)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
