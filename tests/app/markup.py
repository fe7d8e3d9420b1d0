"""Where a page would render outside text as markup: found in the elements' protobufs.

Streamlit renders most text fields as Markdown (bodies of markdown, alerts and captions, labels
and help of metrics and widgets), and ECharts reads a ``formatter`` template as HTML (a
tooltip's) or as its own template language. Planted text that arrives in a Markdown field
unescaped, or in a chart's formatter at all, is a finding; in a plain-text field (a table
cell, a select box's options, st.text, st.code, a chart's data, which ECharts draws as text
and its default tooltip escapes) it is harmless and not reported.
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
PLAIN_PROTOS = frozenset({"Text", "Code", "Dataframe", "Arrow", "EChartsChart"})
PLAIN_FIELDS = frozenset({"options", "default", "id", "url", "icon", "placeholder", "value"})


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


def formatters(option: Any) -> Iterator[str]:
    """Every ``formatter`` string anywhere in an ECharts option."""
    if isinstance(option, dict):
        for key, value in option.items():
            if key == "formatter" and isinstance(value, str):
                yield value
            else:
                yield from formatters(value)
    elif isinstance(option, list):
        for item in option:
            yield from formatters(item)


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
    for chart in app.get("echarts_chart"):
        found += [
            f"echarts {chart.key}: formatter"
            for text in formatters(json.loads(chart.proto.spec))
            if marker in text
        ]
    return found


_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def seen(markdown: str) -> str:
    """What a person reads of Markdown whose outside text went through ``ui.text.inert``."""
    return _ESCAPED.sub(r"\1", markdown).replace(WORD_JOINER, "")
