"""``python -m vultr_core``: the command line."""

import sys

from vultr_core.cli import main

sys.exit(main())
