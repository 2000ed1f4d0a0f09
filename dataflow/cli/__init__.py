"""The ``dataflow`` command."""
