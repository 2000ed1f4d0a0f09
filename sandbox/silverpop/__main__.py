"""``python -m sandbox.silverpop``: the Silverpop sandbox without the dataflow CLI."""

from __future__ import annotations

import sys

from sandbox.silverpop.cli import main

sys.exit(main())
