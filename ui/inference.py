"""Serverless Inference for the Inference Chat page: its client, models, usage and replies.

The client is shared by every session so that its rate limit covers them all; replies stream
and are never cached.
"""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from ui.clients import management_client
from ui.page import INVENTORY_TTL_S, Loaded
from vultr_core import clients
from vultr_core.config import Settings
from vultr_core.inference.client import InferenceClient
from vultr_core.inference.replies import Model
from vultr_core.inference.session import PendingExchange
from vultr_core.inference.streaming import ChatStream
from vultr_core.inference.usage import UsageSummary, fetch_usage_summaries

# The model list changes when Vultr adds or retires a model: rarely within a session.
INFERENCE_MODELS_TTL_S = 300


@st.cache_resource(show_spinner=False, on_release=lambda client: client.close())
def _inference_client(cache_key: str, _settings: Settings) -> InferenceClient:
    return clients.inference_client(_settings)


def inference_client(current: Settings) -> InferenceClient:
    """One shared client per configuration, so its rate limit covers every session."""
    return _inference_client(current.cache_key, current)


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
        pending.messages[lane], model=pending.models[lane], **pending.parameters.as_kwargs()
    )
