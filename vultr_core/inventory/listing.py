"""The inventory tables as a person reads them: words beside codes, one state per row with
what is not running first, human column names, and a CSV of exactly what the table shows.

A table is a list of ``Column``: its key in the frame, the header people read, and (for a
cell with a coloured marker) the plain column the CSV takes instead, so a spreadsheet gets
"Stopped", not an emoji.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from vultr_core.api.models.databases import Database
from vultr_core.inventory.spreadsheet import spreadsheet_csv
from vultr_core.inventory.states import Urgency, database_state, instance_state
from vultr_core.inventory.words import (
    database_plan_name,
    engine_name,
    plan_name,
    region_name,
)

STATE_COLUMNS = ["state", "state_marked", "urgency"]
# Phones' browsers put "Mobi" in their user agent, tablets and computers do not (MDN, "Browser
# detection using the user agent"): there a table opens compact.
PHONE_MARKER = "Mobi"
# A file name stays short enough for every file system and readable in a download bar.
FILE_NAME_MAX_CHARS = 120
_UNSAFE = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    csv_key: str | None = None


def _with_states(frame: pd.DataFrame, states: Iterable[tuple[str, str, Urgency]]) -> pd.DataFrame:
    state = pd.DataFrame(list(states), columns=STATE_COLUMNS, index=frame.index)
    return pd.concat([frame, state.astype({"urgency": int})], axis=1)


def instance_listing(
    instances: pd.DataFrame, plan_names: Mapping[str, str], region_names: Mapping[str, str]
) -> pd.DataFrame:
    """``instances_frame`` (priced) plus its state, region and plan in words; what is not
    running first, the worst first, the API's order kept within each state."""
    states = (
        instance_state(status, power, server)
        for status, power, server in zip(
            instances["status"], instances["power_status"], instances["server_status"], strict=True
        )
    )
    listed = _with_states(
        instances, ((state.word, state.marked, state.urgency) for state in states)
    ).assign(
        region_name=[region_name(code, region_names) for code in instances["region"]],
        plan_name=[plan_name(code, plan_names) for code in instances["plan"]],
    )
    return listed.sort_values("urgency", kind="stable")


def database_listing(
    frame: pd.DataFrame,
    databases: Iterable[Database],
    plan_names: Mapping[str, str],
    region_names: Mapping[str, str],
) -> pd.DataFrame:
    """``databases_frame`` (or the Valkey frame) plus state, engine, region and plan in words;
    what is not running first. ``databases`` are the records the frame was made of (replicas
    included), for the plan figures a database carries itself."""
    by_id = {each.id: each for primary in databases for each in (primary, *primary.read_replicas)}
    states = [database_state(status) for status in frame["status"]]
    listed = _with_states(
        frame, ((state.word, state.marked, state.urgency) for state in states)
    ).assign(
        region_name=[region_name(code, region_names) for code in frame["region"]],
        plan_name=[
            database_plan_name(by_id[i], plan_names) if i in by_id else plan
            for i, plan in zip(frame["id"], frame["plan"], strict=True)
        ],
    )
    if "engine" in frame.columns:
        listed["engine_name"] = [
            f"{engine_name(engine)} {version}".strip()
            for engine, version in zip(frame["engine"], frame["engine_version"], strict=True)
        ]
    return listed.sort_values("urgency", kind="stable")


def not_running(listed: pd.DataFrame) -> pd.DataFrame:
    """The rows whose one state is anything but Running."""
    return listed[listed["urgency"] != int(Urgency.RUNNING)]


def table_csv(frame: pd.DataFrame, columns: Sequence[Column]) -> str:
    """The rows as shown, under the table's own headers in its order, safe for spreadsheets."""
    keys = [column.csv_key or column.key for column in columns]
    shown = frame[keys].set_axis([column.header for column in columns], axis=1)
    return spreadsheet_csv(shown)


def csv_file_name(kind: str, filters: Iterable[str], day: date) -> str:
    """``instances-ewr-running-2026-12-04.csv``: what was filtered and when, in characters
    every file system and shell takes (lower-case letters, digits, hyphens)."""
    slugs = [_UNSAFE.sub("-", part.lower()).strip("-") for part in (kind, *filters)]
    stem = "-".join(slug for slug in slugs if slug)
    room = FILE_NAME_MAX_CHARS - len(f"-{day:%Y-%m-%d}.csv")
    return f"{stem[:room].rstrip('-')}-{day:%Y-%m-%d}.csv"


def is_phone(user_agent: str | None) -> bool:
    """Whether the browser says it runs on a phone."""
    return PHONE_MARKER in (user_agent or "")
