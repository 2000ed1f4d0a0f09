"""An open, self-hosted IdentitySync-compatible dataflow engine."""

import logging

# The engine logs job trace lines to the "dataflow" loggers; an application that configures logging sees them,
# a plain CLI run shows them through its own summary instead of Python's last-resort stderr handler.
logging.getLogger("dataflow").addHandler(logging.NullHandler())
