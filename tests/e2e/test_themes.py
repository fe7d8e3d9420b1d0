"""Light and dark: a visitor picks one from the menu, and both read well, charts included."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ServedApp, screenshot, wait_idle

BACKGROUND = {"light": "rgb(255, 255, 255)", "dark": "rgb(14, 17, 23)"}
APP_BACKGROUND = "getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor"
# The category chart's left part holds its axis labels and nothing else.
CHART = '.st-key-ovw_by_category [data-testid="stEChartsChart"]'
LABELS_SHARE = 0.3
REDRAW_READS = 50


def brightness(rgb: str) -> float:
    """0 for black to 255 for white, from a CSS ``rgb(r, g, b)`` value."""
    red, green, blue = (int(part) for part in rgb.removeprefix("rgb(").rstrip(")").split(","))
    return 0.299 * red + 0.587 * green + 0.114 * blue


def pick_theme(page: Page, theme: str) -> None:
    page.get_by_test_id("stMainMenu").click()
    page.get_by_test_id(f"stMainMenuItem-theme-{theme.title()}").click()
    page.keyboard.press("Escape")


def label_contrast(page: Page, background: float) -> float:
    """The largest brightness difference from ``background`` among the pixels of the category
    chart's axis labels: ECharts draws on a canvas, so the text is read from a screenshot."""
    box = page.locator(CHART).bounding_box()
    assert box, "the Overview draws its category chart"
    clip = {
        "x": box["x"],
        "y": box["y"],
        "width": box["width"] * LABELS_SHARE,
        "height": box["height"],
    }
    shot = Image.open(io.BytesIO(page.screenshot(clip=clip))).convert("L")
    darkest, brightest = shot.getextrema()
    return max(abs(darkest - background), abs(brightest - background))


def assert_reads_well(page: Page, theme: str) -> None:
    """Background as configured, and the chart labels contrast with it."""
    expect(page.locator(f"{CHART} canvas").first).to_be_visible()
    page.wait_for_function(f"{APP_BACKGROUND} === '{BACKGROUND[theme]}'")
    background = brightness(BACKGROUND[theme])
    # The theme switch redraws the canvas a frame or more later: read it until it has.
    contrast = label_contrast(page, background)
    for _ in range(REDRAW_READS):
        if contrast > 100:
            break
        page.wait_for_timeout(100)
        contrast = label_contrast(page, background)
    assert contrast > 100


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
