"""Cache Tools (placeholder until its issue lands)."""

import ui

settings = ui.start_page("Cache Tools")
