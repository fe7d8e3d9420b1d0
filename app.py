"""Vultr Dashboard: page config, settings, the demo banner, navigation. Nothing else."""

from pathlib import Path

import streamlit as st

import ui
from vultr_core.errors import ConfigurationError

PAGES = Path(__file__).parent / "pages"

st.set_page_config(page_title="Vultr Dashboard", page_icon=":material/cloud:", layout="wide")

try:
    settings = ui.settings()
except ConfigurationError as error:
    st.error(f"The configuration needs fixing before the dashboard can start. {error}")
    st.stop()

navigation = st.navigation(
    {
        "Spend": [
            st.Page(
                PAGES / "instances.py",
                title="Instances",
                icon=":material/dns:",
                url_path="instances",
                default=True,
            ),
        ],
    }
)
ui.render_demo_banner(settings)
navigation.run()
