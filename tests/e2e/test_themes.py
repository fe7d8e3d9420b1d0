"""Light and dark: a visitor picks one from the menu, and both read well, charts included."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ServedApp, screenshot, wait_idle

BACKGROUND = {"light": "rgb(255, 255, 255)", "dark": "rgb(14, 17, 23)"}
APP_BACKGROUND = "getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor"
TICK_FILLS = (
    "Array.from(document.querySelectorAll('.js-plotly-plot .xtick text, .js-plotly-plot .ytick "
    "text')).map(label => getComputedStyle(label).fill)"
)


def brightness(rgb: str) -> float:
    """0 for black to 255 for white, from a CSS ``rgb(r, g, b)`` value."""
    red, green, blue = (int(part) for part in rgb.removeprefix("rgb(").rstrip(")").split(","))
    return 0.299 * red + 0.587 * green + 0.114 * blue


def pick_theme(page: Page, theme: str) -> None:
    page.get_by_test_id("stMainMenu").click()
    page.get_by_test_id(f"stMainMenuItem-theme-{theme.title()}").click()
    page.keyboard.press("Escape")


def assert_reads_well(page: Page, theme: str) -> None:
    """Background as configured, and every chart label contrasts with it."""
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible()
    page.wait_for_function(f"{APP_BACKGROUND} === '{BACKGROUND[theme]}'")
    background = brightness(BACKGROUND[theme])
    fills = page.evaluate(TICK_FILLS)
    assert fills, "the Overview draws charts with axis labels"
    assert all(abs(brightness(fill) - background) > 100 for fill in fills), fills


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_browser_preference_chooses_the_theme(
    app: ServedApp, browser: Browser, theme: str
) -> None:
    context = browser.new_context(
        viewport={"width": 1280, "height": 1500},
        color_scheme="dark" if theme == "dark" else "light",
    )
    page = context.new_page()
    try:
        page.goto(app.url)
        wait_idle(page)
        assert_reads_well(page, theme)
        screenshot(page, f"overview_{theme}")
    finally:
        context.close()


def test_a_visitor_switches_between_light_and_dark_from_the_menu(
    app: ServedApp, page: Page
) -> None:
    page.goto(app.url)
    wait_idle(page)
    assert_reads_well(page, "light")
    pick_theme(page, "dark")
    assert_reads_well(page, "dark")
    pick_theme(page, "light")
    assert_reads_well(page, "light")
