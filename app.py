"""Vultr Dashboard: page config and navigation. Each page checks settings itself (ui.start_page)."""

from pathlib import Path

import streamlit as st

PAGES = Path(__file__).parent / "pages"

st.set_page_config(page_title="Vultr Dashboard", page_icon=":material/cloud:", layout="wide")

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
                PAGES / "valkey.py", title="Valkey", icon=":material/memory:", url_path="valkey"
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
