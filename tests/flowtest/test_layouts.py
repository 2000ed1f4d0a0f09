"""Flow tests of the flows ``dataflow init silverpop`` writes, for both sample layouts, and test files kept beside
flows through ``init --force`` and ``validate``.

flows/silverpop ships the flows of customer.example.yaml with their test files. For the second layout
(customer.newsletter-databases.example.yaml: one database per newsletter, deleted accounts opted out, no SMS, no
scoring) only the configuration is shipped, so its flows are written here into a temporary directory and tested
with the test files in layouts/newsletter-databases/ (the flows whose logic differs by layout), plus the shipped
test files of the flows that have the same steps in both layouts.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dataflow.cli.main import main
from tests.flowtest.mutations import Mutation, case_names, check, failed_by_some, set_param

ROOT = Path(__file__).resolve().parents[2]
SILVERPOP = ROOT / "flows" / "silverpop"
LAYOUT_TESTS = Path(__file__).parent / "layouts" / "newsletter-databases"
SAME_STEPS = ("outbound-likes", "outbound-gm", "outbound-deletions")


def steps_of(path: Path) -> list[tuple[str, str, list[str]]]:
    return [(s["id"], s["type"], s.get("next", [])) for s in json.loads(path.read_text())["steps"]]


@pytest.fixture(scope="module")
def layout_flows(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("layout") / "acme"
    config = SILVERPOP / "customer.newsletter-databases.example.yaml"
    assert main(["init", "silverpop", "--config", str(config), "--out", str(out)]) == 0
    return out


def test_the_newsletter_databases_layout_passes_its_flow_tests(
    layout_flows: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = shutil.copytree(layout_flows, tmp_path / "acme")
    flows = sorted(path.stem for path in out.glob("*.json"))
    # likes and GM tables only; syncScoring: false writes no inbound-scoring flow
    assert flows == ["inbound-optouts", "outbound-accounts", "outbound-deletions", "outbound-gm", "outbound-likes"]
    for name in SAME_STEPS:
        assert steps_of(out / f"{name}.json") == steps_of(SILVERPOP / f"{name}.json"), name
        shutil.copy(SILVERPOP / f"{name}.test.yaml", out)
    for test_file in LAYOUT_TESTS.glob("*.test.yaml"):
        shutil.copy(test_file, out)
    assert {path.name.removesuffix(".test.yaml") for path in out.glob("*.test.yaml")} == set(flows)
    capsys.readouterr()
    assert main(["test", str(out)]) == 0
    output = capsys.readouterr().out
    assert "FAIL" not in output and output.rstrip().endswith(f"case(s) passed in {len(flows)} file(s)")
    assert "each newsletter database gets its own file with only its own newsletter column" in output


def swap_newsletters(document: dict) -> None:
    for database, other in (("newsletterWeekly", "newsletterOffers"), ("newsletterOffers", "newsletterWeekly")):
        set_param(f"newsletters {database}", lambda p, other=other: p["fields"][0].update(value=other))(document)


ONLY_THAT = "an opt-out from one newsletter database unsubscribes only that newsletter"
EACH_OWN = "each database's opt-outs unsubscribe their own newsletter; a later change in Gigya still wins"
LAYOUT_MUTATIONS = [
    Mutation(
        "outbound-accounts",
        "the Offers field left in the Weekly database's file",
        set_param("remove Weekly Newsletter", lambda p: p["fields"].remove("OffersSubscribed")),
        ("each newsletter database gets its own file with only its own newsletter column",),
    ),
    Mutation(
        "outbound-accounts",
        "the Weekly database's file named like the Offers one",
        set_param(
            "dsv Weekly Newsletter", lambda p: p.update(fileName="gigya_newsletterOffers_${now:yyyyMMdd_HHmmss}.csv")
        ),
        ("each newsletter database gets its own file with only its own newsletter column",),
    ),
    Mutation(
        "inbound-optouts",
        "an opt-out from the Weekly database taken for every newsletter",
        set_param(
            "newsletters newsletterWeekly", lambda p: p["fields"][0].update(value="newsletterWeekly,newsletterOffers")
        ),
        (ONLY_THAT, EACH_OWN),
    ),
    Mutation(
        "inbound-optouts",
        "the two databases' newsletters swapped",
        swap_newsletters,
        (ONLY_THAT, EACH_OWN),
    ),
]


def test_every_case_of_the_layouts_tests_has_a_mutation_here() -> None:
    assert case_names(LAYOUT_TESTS) == failed_by_some(LAYOUT_MUTATIONS)


@pytest.mark.parametrize("mutation", LAYOUT_MUTATIONS, ids=lambda m: f"{m.flow}: {m.what}")
def test_the_layouts_tests_catch_a_changed_flow(
    mutation: Mutation, layout_flows: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    check(mutation, layout_flows, LAYOUT_TESTS, tmp_path, capsys)


def test_init_over_the_shipped_flows_keeps_their_tests_and_validate_skips_them(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    flows = tmp_path / "silverpop"
    shutil.copytree(SILVERPOP, flows)
    before = {path.name: path.read_bytes() for path in flows.rglob("*") if path.is_file()}
    config = flows / "customer.example.yaml"
    assert main(["init", "silverpop", "--config", str(config), "--out", str(flows), "--force"]) == 0
    assert {path.name: path.read_bytes() for path in flows.rglob("*") if path.is_file()} == before
    capsys.readouterr()
    assert main(["test", str(flows)]) == 0
    capsys.readouterr()
    (flows / "outbound-extra.test.yaml").write_text("flow: outbound-extra.json\ntests: [\n")  # broken, and no flow
    assert main(["validate", str(flows)]) == 0
    output = capsys.readouterr().out
    assert "8 flow(s) valid" in output and ".test.yaml" not in output
