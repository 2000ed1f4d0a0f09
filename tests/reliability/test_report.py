"""docs/reliability.md is current: it lists exactly the declared cases, with their sizes, all of them held.

The figures a passing run gives are fixed (fixed seeds and sizes), so the committed page is compared with the
declarations rather than with a fresh run: add, remove or resize a case and this fails until the page is
regenerated with ``python -m tests.reliability.report``.
"""

from __future__ import annotations

import json

from tests.reliability import report


def test_the_committed_figures_list_every_declared_case_and_all_of_it_held() -> None:
    cases = report.load_suites()
    document = json.loads(report.FIGURES.read_text(encoding="utf-8"))
    committed = {(row["suite"], row["case"]): row for row in document["cases"]}
    declared = {(case.suite, case.name): case for case in cases}
    assert sorted(committed) == sorted(declared), "regenerate: python -m tests.reliability.report"
    for key, case in declared.items():
        row = committed[key]
        assert (row["tried"], row["unit"], row["checks"]) == (case.tried, case.unit, case.checks), key
        assert row["held"] == row["tried"], f"{key}: the page was generated from a run where it did not hold"


def test_the_page_is_rendered_from_the_committed_figures() -> None:
    document = json.loads(report.FIGURES.read_text(encoding="utf-8"))
    assert report.DOC.read_text(encoding="utf-8") == report.render(document, report.long_cases())
