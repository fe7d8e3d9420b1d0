"""Serverless Inference for the Inference Chat page: its client, models, usage and replies.

The client is shared by every session (ui.clients) so that its rate limit covers them all;
replies stream and are never cached, and are shown inert: prose as Markdown without images or
HTML, fenced code as code (vultr_core.inference.markup).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from urllib.parse import urlsplit

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from ui.clients import inference_client, management_client
from ui.page import INVENTORY_TTL_S, Loaded
from vultr_core.api.errors import VultrError
from vultr_core.config import DEFAULT_INFERENCE_API_URL, Settings
from vultr_core.inference.markup import reply_blocks
from vultr_core.inference.prices import ModelPrice, find_price
from vultr_core.inference.replies import Model
from vultr_core.inference.session import PendingExchange, SideBySide
from vultr_core.inference.streaming import ChatStream
from vultr_core.inference.usage import UsageSummary, fetch_usage_summaries

# The model list changes when Vultr adds or retires a model: rarely within a session.
INFERENCE_MODELS_TTL_S = 300


@st.cache_data(ttl=INFERENCE_MODELS_TTL_S, show_spinner="Loading models…")
def load_inference_models(cache_key: str, _settings: Settings) -> Loaded[list[Model]]:
    return Loaded(inference_client(_settings).list_models(), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner="Loading inference usage…")
def load_inference_usage(cache_key: str, _settings: Settings) -> Loaded[list[UsageSummary]]:
    summaries = fetch_usage_summaries(management_client(_settings), _settings.inference_prices)
    return Loaded(summaries, datetime.now(UTC))


def open_chat_stream(current: Settings, pending: PendingExchange, lane: str) -> ChatStream:
    """Send one lane's prompt; the reply streams from the returned object (never cached)."""
    return inference_client(current).stream_chat(
        pending.messages[lane],
        model=pending.models[lane],
        cancel=pending.cancel,
        **pending.parameters.as_kwargs(),
    )


def render_chat_text(text: str) -> None:
    """A reply or a prompt, whole or still streaming: nothing in it makes the browser fetch."""
    for block in reply_blocks(text):
        if block.kind == "code":
            st.code(block.text, language=block.language)
        else:
            st.markdown(block.text)


def stream_replies(
    current: Settings, pending: PendingExchange, boxes: Mapping[str, DeltaGenerator]
) -> None:
    """Each lane's reply into its box as it streams: one lane on this thread, several side
    by side. Stop reruns the page while this still streams; the new run stops ``pending``
    (see PendingExchange), which ends these loops, and settles what had arrived."""
    openers = {lane: functools.partial(open_chat_stream, current, pending, lane) for lane in boxes}
    if len(openers) > 1:
        pending.side = SideBySide(openers)
        for update in pending.side:
            with boxes[update.lane].container():
                render_chat_text(pending.take(update))
        return
    text = ""
    try:
        pending.stream = openers["a"]()
        for delta in pending.stream:
            text += delta
            with boxes["a"].container():
                render_chat_text(text)
    except VultrError as error:
        pending.fail("a", error)
    finally:
        if pending.stream is not None:
            pending.stream.close()


def second_model_index(model_ids: Sequence[str], configured: Sequence[ModelPrice]) -> int:
    """Compare mode's default second model: the first one after the default model that has a
    price, so both replies show what they cost; the next model when none has."""
    for index, model in enumerate(model_ids[1:], start=1):
        if find_price(model, configured) is not None:
            return index
    return min(1, len(model_ids) - 1)


def talking_to(current: Settings) -> str:
    """One line naming where prompts go (and where the usage figures come from when that is
    elsewhere); an address is shown as scheme, host and path, nothing more."""
    if current.demo_inference:
        line = (
            "Talking to: simulated inference (demo): nothing is billed. Set "
            "`VULTR_INFERENCE_API_KEY` to use Vultr Serverless Inference."
        )
    elif current.inference_api_url == DEFAULT_INFERENCE_API_URL:
        line = "Talking to: Vultr Serverless Inference (`api.vultrinference.com`)."
    else:
        parts = urlsplit(current.inference_api_url)
        where = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
        line = f"Talking to: the inference API at `{where}{parts.path}` (`VULTR_INFERENCE_URL`)."
    if current.demo_mode and not current.demo_inference:
        line += " Usage figures: the demo organisation (no management API key)."
    elif current.demo_inference and not current.demo_mode:
        line += " Usage figures: your Vultr account."
    return line
