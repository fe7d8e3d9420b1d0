"""Serverless Inference for the Inference Chat page: its client, models, usage and replies.

The client is shared by every session (ui.clients) so that its rate limit covers them all;
replies stream and are never cached, and are shown inert: prose as Markdown without images or
HTML, fenced code as code (vultr_core.inference.markup).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, datetime

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from ui.clients import inference_client, management_client
from ui.page import INVENTORY_TTL_S, Loaded
from vultr_core.api.errors import VultrError
from vultr_core.config import Settings
from vultr_core.inference.markup import reply_blocks
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
