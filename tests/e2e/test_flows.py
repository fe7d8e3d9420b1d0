"""What a user does in a real browser: chat with a model, compare two, invalidate a cache tag."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import valkey
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import ServedApp, open_page, screenshot, send_prompt, wait_idle
from vultr_core.cache.store import CacheHelper
from vultr_core.inference.prices import NO_PRICE, find_price, format_cost_usd
from vultr_core.simulator.inference_replies import MODELS, prompt_tokens, reply_text, split_tokens

PROMPT = "How do I cut my Vultr bill?"
PRICED_MODEL = "DeepSeek-V3.2"
UNPRICED_MODEL = "mistral-7b-v0.3"
DOOMED_TAG, KEPT_TAG = "e2e-doomed", "e2e-kept"

# Records the reply's text each time the page changes while the Stop button is up, i.e. while
# the reply is still coming: a streamed reply is seen growing, a whole one appears at once.
WATCH_REPLY = """() => {
  window.replySeen = [];
  const reply = "[aria-label='Chat message from assistant'] [data-testid='stMarkdownContainer']";
  new MutationObserver(() => {
    const shown = document.querySelector(reply);
    if (shown && document.querySelector(".st-key-chat_stop_reply")) {
      window.replySeen.push(shown.innerText);
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def assistant_replies(page: Page) -> Locator:
    return page.get_by_role("group", name="Chat message from assistant")


def figures_pattern(model: str, text: str) -> re.Pattern[str]:
    """The figures under a reply to PROMPT: tokens in and out, pace, and cost or no price."""
    input_tokens = prompt_tokens([{"role": "user", "content": PROMPT}])
    output_tokens = len(split_tokens(text))
    price = find_price(model)
    cost = (
        NO_PRICE if price is None else format_cost_usd(price.cost_usd(input_tokens, output_tokens))
    )
    return re.compile(
        rf"^{input_tokens} in · {output_tokens} out · first token \d+\.\d\d s · "
        rf"[\d,]+\.\d tokens/s · {re.escape(cost)}$"
    )


def expect_reply(reply: Locator, model: str) -> None:
    """A finished reply: labelled with its model, the model's whole text, then its figures."""
    text = reply_text(model, [{"role": "user", "content": PROMPT}], None)
    captions = reply.get_by_test_id("stCaptionContainer")
    expect(captions.first).to_have_text(model)
    expect(reply.get_by_test_id("stMarkdownContainer")).to_have_text(text)
    expect(captions.last).to_have_text(figures_pattern(model, text))


def choose(page: Page, key: str, option: str) -> None:
    page.locator(f".st-key-{key}").get_by_role("combobox").click()
    page.get_by_role("option", name=option, exact=True).click()
    expect(page.locator(f".st-key-{key}").get_by_role("combobox")).to_have_value(option)
    wait_idle(page)


def test_a_prompt_streams_its_reply_then_shows_tokens_and_cost(app: ServedApp, page: Page) -> None:
    model = MODELS[0].id
    assert find_price(model) is not None, "the default model should have a price"
    open_page(page, app.url, "Inference Chat")
    page.evaluate(WATCH_REPLY)
    send_prompt(page, PROMPT)
    expect(page.get_by_text("This session: 1 reply")).to_be_visible()
    wait_idle(page)

    expect(page.locator(".st-key-chat_stop_reply")).to_have_count(0)
    expect(assistant_replies(page)).to_have_count(1)
    expect_reply(assistant_replies(page), model)
    # While the Stop button was up, the reply was seen at least twice, growing each time.
    full = " ".join(reply_text(model, [{"role": "user", "content": PROMPT}], None).split())
    seen = list(dict.fromkeys(" ".join(text.split()) for text in page.evaluate("window.replySeen")))
    partial = [text for text in seen if text and text != full]
    assert len(partial) >= 2, f"the reply was not seen growing while it came: {seen}"
    assert all(full.startswith(text) for text in partial), partial
    assert [len(text) for text in partial] == sorted(len(text) for text in partial), partial
    screenshot(page, "chat_streamed")


def test_compare_mode_shows_each_models_reply_under_its_name(app: ServedApp, page: Page) -> None:
    open_page(page, app.url, "Inference Chat")
    page.locator(".st-key-chat_compare").get_by_text("Compare with a second model").click()
    expect(page.locator(".st-key-chat_model_b")).to_be_visible()
    wait_idle(page)
    choose(page, "chat_model", PRICED_MODEL)
    choose(page, "chat_model_b", UNPRICED_MODEL)
    send_prompt(page, PROMPT)
    expect(page.get_by_text("This session: 2 replies")).to_be_visible()
    wait_idle(page)

    replies = assistant_replies(page)
    expect(replies).to_have_count(2)
    expect_reply(replies.nth(0), PRICED_MODEL)
    expect_reply(replies.nth(1), UNPRICED_MODEL)
    screenshot(page, "chat_compare")


@pytest.fixture
def cache(app: ServedApp) -> Iterator[CacheHelper]:
    """The app's own cache namespace in the Valkey it uses, without the test's tags."""
    with valkey.Valkey.from_url(app.valkey_url, socket_timeout=5) as client:
        helper = CacheHelper(client)
        for tag in (DOOMED_TAG, KEPT_TAG):
            helper.invalidate_by_tag(tag)
        yield helper


def test_invalidating_a_tag_asks_first_then_deletes_only_its_keys(
    app: ServedApp, page: Page, cache: CacheHelper
) -> None:
    doomed = {"report-a": {"usd": 1}, "report-b": {"usd": 2}, "report-c": {"usd": 3}}
    kept = {"other-a": {"usd": 4}, "other-b": {"usd": 5}}
    cache.set_many(doomed, [DOOMED_TAG])
    cache.set_many(kept, [KEPT_TAG])
    doomed_names = [cache.value_key(key) for key in doomed]
    kept_names = [cache.value_key(key) for key in kept]

    open_page(page, app.url, "Cache Tools")
    page.get_by_role("tab", name="Tags").click()
    choose(page, "cache_tag", DOOMED_TAG)
    expect(page.get_by_text(f"Invalidating {DOOMED_TAG} deletes 3 cached keys")).to_be_visible()
    page.locator(".st-key-cache_invalidate").get_by_role("button").click()

    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"This deletes 3 cached keys tagged {DOOMED_TAG}")
    assert cache.client.exists(*doomed_names) == 3, "nothing is deleted before the Yes"
    dialog.get_by_role("button", name="Delete them").click()
    expect(page.get_by_text(f"Deleted 3 keys ({DOOMED_TAG}).")).to_be_visible()
    expect(dialog).to_have_count(0)
    wait_idle(page)

    assert cache.client.exists(*doomed_names) == 0
    assert cache.client.exists(*kept_names) == 2
    assert cache.preview_tag(KEPT_TAG).key_count == 2
    screenshot(page, "cache_tag_invalidated")
