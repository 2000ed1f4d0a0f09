"""Flow unit tests: ``*.test.yaml`` files beside a flow feed records or files into its steps and say what named
steps must emit, with every service spliced out (``dataflow test``).

``spec`` reads and checks a test file, ``splicing`` decides what runs and what is stood in, ``harness`` runs one
case through :mod:`dataflow.testing`, ``compare`` reports the differences, ``update`` writes new expectations,
``suite`` ties them together and ``junit`` writes the CI report.
"""
