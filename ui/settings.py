"""Where the app's settings come from: the environment and st.secrets (secrets win).

Kept apart from ``ui`` so that app.py can read them before the heavy page imports.
"""

import os
from typing import Any

import streamlit as st

from vultr_core.config import Settings


def read_secrets() -> dict[str, Any]:
    """st.secrets as a plain dict; without any secrets.toml Streamlit raises, so: empty."""
    try:
        return {key: st.secrets[key] for key in st.secrets}
    except FileNotFoundError:
        return {}


def settings() -> Settings:
    """Settings from the environment and st.secrets (secrets win)."""
    return Settings.from_sources(os.environ, read_secrets())


def sign_in_configured() -> bool:
    """Whether the app asks visitors to sign in (an ``[auth]`` section in secrets)."""
    return bool(read_secrets().get("auth"))
