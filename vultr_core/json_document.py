"""Records as one JSON document with every configured secret masked in its strings (an API
could echo one inside any field): the command line's ``--json`` and the HTTP API answer with
the same shapes and field names, and ``labelled_demo`` gives both the ``"demo"`` field that
says whether they are the simulated organisation's."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from vultr_core.redaction import redact


def json_document(value: object) -> Any:
    """Records, lists, mappings and dates as plain JSON values, secrets masked."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list | tuple):
        return [json_document(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): json_document(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: json_document(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def labelled_demo(document: object, *, demo: bool) -> object:
    """The document with ``"demo"`` on its object, or on each object of its list: whether the
    figures are the simulated organisation's. Nothing else changes, so parsers keep working."""
    if isinstance(document, dict):
        return {**document, "demo": demo}
    if isinstance(document, list):
        return [{**row, "demo": demo} if isinstance(row, dict) else row for row in document]
    return document
