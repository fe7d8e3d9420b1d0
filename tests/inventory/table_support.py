"""What a page's table shows a person (its visible columns under their headers, in order) and
what its CSV download is called, read from AppTest's elements."""

from __future__ import annotations

import json

import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.app.conftest import KeptMediaStorage


def visible_table(page: AppTest, index: int = 0) -> pd.DataFrame:
    """A table's visible columns, in their order, under the headers people read (by position:
    AppTest gives a table its key only when rows can be selected)."""
    table = page.dataframe[index]
    config = json.loads(table.proto.columns)
    order = list(table.proto.column_order)
    headers = [config[name]["label"] for name in order]
    return table.value[order].set_axis(headers, axis=1)


def downloaded_name(page: AppTest, key: str) -> str:
    """The file name the browser would save a download under (needs the ``demo`` fixture)."""
    url = page.download_button(key=key).proto.url
    assert KeptMediaStorage.last is not None
    name = KeptMediaStorage.last.get_file(url.rsplit("/", 1)[1]).filename
    assert name is not None
    return name
