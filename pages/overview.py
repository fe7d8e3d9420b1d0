"""Overview (placeholder until its issue lands)."""

import ui

settings = ui.start_page("Overview")
