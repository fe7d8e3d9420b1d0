"""CSV for spreadsheets: every table the app offers as a download is written here.

Outside text (labels, tags, anything the API sent) is data, but a spreadsheet runs a cell that
starts with ``=``, ``+``, ``-`` or ``@`` as a formula (``=HYPERLINK(…)`` sends what a person
clicks to any host), and a leading tab or carriage return hides such a start. OWASP's rule for
CSV injection (owasp.org/www-community/attacks/CSV_Injection): prefix those text cells with a
single quote, which spreadsheets show as text. Only text cells: a negative amount in a number
column stays a number.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = ";"
# RFC 4180's line end: with it the writer quotes every cell holding a CR or a LF, so a carriage
# return inside a label cannot split a row (pandas' default "\n" leaves a lone CR unquoted).
CSV_LINE_END = "\r\n"


def spreadsheet_cell(value: object) -> object:
    """A cell as a spreadsheet should get it: a list joined, a formula-looking text quoted."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        value = LIST_SEPARATOR.join(str(item) for item in value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def spreadsheet_csv(frame: pd.DataFrame) -> str:
    """The frame as CSV, every text cell safe to open in a spreadsheet."""
    text_columns = frame.select_dtypes(include=["object", "string"]).columns
    safe = frame.assign(**{name: frame[name].map(spreadsheet_cell) for name in text_columns})
    return safe.to_csv(index=False, lineterminator=CSV_LINE_END)
