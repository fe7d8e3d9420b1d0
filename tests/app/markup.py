"""Where a page would render outside text as markup: found in the elements' protobufs.

Streamlit renders most text fields as Markdown (bodies of markdown, alerts and captions, labels
and help of metrics and widgets) and Plotly renders a subset of HTML in chart text. Planted
Markdown or HTML that arrives there unescaped is a finding; in a plain-text field (a table cell,
a select box's options, st.text, st.code) it is harmless and not reported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from ui.text import WORD_JOINER

# Renderable Markdown or HTML, unescaped: a backslash before the mark makes it literal text.
MARKUP = {
    "heading": re.compile(r"(?m)^ {0,3}#{1,6}[ \t]"),
    "image": re.compile(r"(?<!\\)!\[[^\]]*\]\("),
    "link": re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\("),
    "html": re.compile(r"(?<!\\)<(?:img|a|script|iframe)\b", re.IGNORECASE),
    "directive": re.compile(r"(?<!\\):(?:red|blue|green|orange|violet|gray|rainbow)\["),
    # GitHub autolink literals ignore backslash escapes: only a break inside the trigger stops them.
    "autolink": re.compile(r"(?i)\b(?:https?\\?:|www\\?\.)"),
}
PLAIN_PROTOS = frozenset({"Text", "Code", "Dataframe", "Arrow", "PlotlyChart"})
PLAIN_FIELDS = frozenset({"options", "default", "id", "url", "icon", "placeholder", "value"})
CHART_HTML = re.compile(r"<(?:img|a)\b", re.IGNORECASE)


def _strings(message: Message, path: str) -> Iterator[tuple[str, str]]:
    for descriptor, value in message.ListFields():
        if descriptor.name in PLAIN_FIELDS:
            continue
        where = f"{path}.{descriptor.name}"
        items = value if descriptor.is_repeated else [value]
        for item in items:
            if isinstance(item, Message):
                yield from _strings(item, where)
            elif isinstance(item, str):
                yield where, item


def _nodes(app: AppTest) -> Iterator[Any]:
    stack: list[Any] = [app._tree]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(getattr(node, "children", {}).values())


def _markdown_fields(app: AppTest) -> Iterator[tuple[str, str]]:
    for node in _nodes(app):
        proto = getattr(node, "proto", None)
        if not isinstance(proto, Message) or type(proto).__name__ in PLAIN_PROTOS:
            continue
        yield from _strings(proto, type(proto).__name__)


def _chart_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _chart_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _chart_strings(item)


def rendered_markup(app: AppTest, marker: str) -> list[str]:
    """Every field holding ``marker`` (planted text) where Markdown or chart HTML would render
    the markup planted with it: ``"<field>: <kind>"``, empty when everything is inert."""
    found = [
        f"{where}: {kind}"
        for where, text in _markdown_fields(app)
        if marker in text
        for kind, pattern in MARKUP.items()
        if pattern.search(text)
    ]
    for chart in app.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        found += [
            f"plotly {chart.key}: html"
            for text in _chart_strings(spec.get("data", []))
            if marker in text and CHART_HTML.search(text)
        ]
    return found


_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def seen(markdown: str) -> str:
    """What a person reads of Markdown whose outside text went through ``ui.text.inert``."""
    return _ESCAPED.sub(r"\1", markdown).replace(WORD_JOINER, "")
