"""Inference Chat: try prompts on Vultr Serverless Inference and see what every reply costs."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from ui import inference, page
from vultr_core.api.errors import VultrError
from vultr_core.inference.export import curl_snippet, python_snippet, to_json, to_markdown
from vultr_core.inference.session import (
    ChatParameters,
    Exchange,
    PendingExchange,
    ReplyRecord,
    session_totals,
)
from vultr_core.inference.usage import total_month

settings = page.start_page("Inference Chat")
exchanges: list[Exchange] = st.session_state.setdefault("chat_exchanges", [])


def render_usage() -> None:
    """This month's inference tokens and dollars, for every subscription on the account."""
    try:
        summaries = inference.load_inference_usage(settings.cache_key, settings).value
    except VultrError as error:
        page.render_error("this month's inference usage", error)
        return
    this_month = total_month([s.this_month for s in summaries])
    last_month = total_month([s.last_month for s in summaries])
    if this_month is None:
        st.caption("No Serverless Inference subscription on this account.")
        return
    tokens, cost, previous = st.columns(3)
    tokens.metric("Inference tokens this month", f"{this_month.total_tokens:,}")
    cost.metric("Inference cost this month", this_month.cost_text())
    previous.metric("Inference cost last month", last_month.cost_text() if last_month else "—")
    st.caption(this_month.basis_text())


def render_models(model_ids: list[str]) -> dict[str, str]:
    """Which model(s): above the chat, where a phone shows them too."""
    st.subheader("Chat settings")
    pick, second = st.columns(2)
    models = {"a": pick.selectbox("Model", model_ids, key="chat_model")}
    if st.toggle("Compare with a second model", key="chat_compare"):
        default = inference.second_model_index(model_ids, settings.inference_prices)
        models["b"] = second.selectbox("Second model", model_ids, default, key="chat_model_b")
    return models


def render_parameters() -> tuple[str, ChatParameters]:
    """The system prompt and the sampling knobs, folded away until wanted."""
    with st.expander("System prompt, temperature, max tokens, seed, stop sequences"):
        system = st.text_area("System prompt", key="chat_system")
        default = "API default"
        knobs = st.columns(4)
        temperature = knobs[0].number_input(
            "Temperature", 0.0, 2.0, None, 0.1, key="chat_temperature", placeholder=default
        )
        top_p = knobs[1].number_input(
            "Top p", 0.0, 1.0, None, 0.05, key="chat_top_p", placeholder=default
        )
        max_tokens = knobs[2].number_input(
            "Max tokens", 1, 1_000_000, None, 64, key="chat_max_tokens", placeholder=default
        )
        seed = knobs[3].number_input(
            "Seed", 0, 2**31 - 1, None, 1, key="chat_seed", placeholder="random"
        )
        stop = st.text_input("Stop sequences", key="chat_stop", placeholder="comma-separated")
    stops = tuple(s.strip() for s in stop.split(",") if s.strip())
    return system, ChatParameters(temperature, top_p, max_tokens, seed, stops)


def render_reply(record: ReplyRecord) -> None:
    st.caption(record.model)
    if record.text:
        inference.render_chat_text(record.text)
    if record.error:
        st.error(record.error, icon=":material/error:")
    else:
        st.caption(record.figures())


def render_exchange(exchange: Exchange) -> None:
    with st.chat_message("user"):
        inference.render_chat_text(exchange.prompt)
    columns = st.columns(len(exchange.replies))
    for column, record in zip(columns, exchange.replies.values(), strict=True):
        with column, st.chat_message("assistant"):
            render_reply(record)


def ask(pending: PendingExchange) -> None:
    """The prompt, a Stop button, and each model's reply streaming into its box."""
    with st.chat_message("user"):
        inference.render_chat_text(pending.prompt)
    st.button("Stop", key="chat_stop_reply", icon=":material/stop_circle:")
    boxes, columns = {}, st.columns(len(pending.models))
    for (lane, model), column in zip(pending.models.items(), columns, strict=True):
        with column, st.chat_message("assistant"):
            st.caption(model)
            boxes[lane] = st.empty()
    inference.stream_replies(settings, pending, boxes)


def render_toolbar(system: str, parameters: ChatParameters) -> None:
    """Session totals, then: new conversation, exports, and the code for the last request."""
    st.caption(f"This session: {session_totals(exchanges).describe()}")
    new, markdown, json_file = st.columns(3)
    if new.button("New conversation", key="chat_new", icon=":material/add_comment:"):
        exchanges.clear()
        st.rerun()
    now = datetime.now(UTC)
    markdown_text = to_markdown(exchanges, system, now)
    markdown.download_button("Export Markdown", markdown_text, "chat.md", key="chat_export_md")
    json_text = to_json(exchanges, system, parameters, now)
    json_file.download_button("Export JSON", json_text, "chat.json", key="chat_export_json")
    body, url = exchanges[-1].request_body or {}, settings.inference_api_url
    with st.expander("View code: the last request (the key comes from the environment)"):
        python, curl = st.tabs(["Python", "curl"])
        python.code(python_snippet(body, url), language="python")
        curl.code(curl_snippet(body, url), language="bash")


render_usage()
try:
    model_ids = [m.id for m in inference.load_inference_models(settings.cache_key, settings).value]
except VultrError as error:
    page.render_error("the inference models", error)
    st.stop()
if not model_ids:
    st.warning("The inference API lists no models for this key.")
    st.stop()
st.caption(inference.talking_to(settings))
models = render_models(model_ids)
system, parameters = render_parameters()
interrupted = st.session_state.pop("chat_running", None)
if interrupted is not None and (stopped := interrupted.stop()) is not None:
    exchanges.append(stopped)
for exchange in exchanges:
    render_exchange(exchange)
if prompt := st.chat_input("Ask something…", key="chat_prompt"):
    pending = PendingExchange.start(
        prompt, models, system, exchanges, parameters, settings.inference_prices
    )
    st.session_state["chat_running"] = pending
    ask(pending)
    if (answered := pending.settle()) is not None:
        exchanges.append(answered)
    if st.session_state.get("chat_running") is pending:
        del st.session_state["chat_running"]
    st.rerun()
if exchanges:
    render_toolbar(system, parameters)
