"""The UI's main script: page config, the demo servers' early start, the hourly history
snapshot, and the navigation.

It lives in ui/, a folder with no ``pages/`` beside it: Streamlit decides once per process
whether an app is a legacy ``pages/``-folder app by looking beside its main script, and a
legacy app breaks deep links (its own lower-case sidebar on /databases, "Page not found" on
/cache-tools). app.py serves this script through ``st.App``.
"""

from pathlib import Path

import streamlit as st

from ui.settings import settings
from vultr_core.api.errors import ConfigurationError
from vultr_core.health.embedded import start_stand_ins
from vultr_core.history.background import take_snapshot_in_background

PAGES = Path(__file__).resolve().parent.parent / "pages"


def start_background_work() -> None:
    """In demo mode, make sure the embedded PostgreSQL and Valkey that stand in for unset URLs
    are on their way (app.py starts them with the server; a server started otherwise, as
    under AppTest, starts them here); and take this hour's history snapshot in a thread of its
    own. A page reports a broken setting itself."""
    try:
        current = settings()
    except ConfigurationError:
        return
    start_stand_ins(current)
    if current.history_app_snapshots:
        take_snapshot_in_background(current)


st.set_page_config(
    page_title="Vultr Dashboard",
    page_icon=str(Path(__file__).resolve().parent / "static" / "favicon.png"),
    layout="wide",
)
start_background_work()

navigation = st.navigation(
    {
        "Spend": [
            st.Page(
                PAGES / "overview.py",
                title="Overview",
                icon=":material/dashboard:",
                url_path="overview",
                default=True,
            ),
            st.Page(
                PAGES / "instances.py",
                title="Instances",
                icon=":material/dns:",
                url_path="instances",
            ),
            st.Page(
                PAGES / "databases.py",
                title="Databases",
                icon=":material/database:",
                url_path="databases",
            ),
        ],
        "Health": [
            st.Page(
                PAGES / "valkey_health.py",
                title="Valkey",
                icon=":material/memory:",
                url_path="valkey",
            ),
        ],
        "Tools": [
            st.Page(
                PAGES / "inference_chat.py",
                title="Inference Chat",
                icon=":material/chat:",
                url_path="inference-chat",
            ),
            st.Page(
                PAGES / "cache_tools.py",
                title="Cache Tools",
                icon=":material/cached:",
                url_path="cache-tools",
            ),
        ],
    }
)
navigation.run()
