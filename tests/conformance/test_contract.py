"""One contract, applied to every registered component (ours and any installed third party's).

- its params schema exists, is valid JSON Schema and documents every param;
- its documented examples validate, build and run;
- bad params give a validation error that names the param;
- empty input does not crash and counters reconcile;
- what it declares it consumes and produces is what it really takes and emits;
- it says whether it can run in partitions (a formatter that can also joins what they wrote).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from dataflow import schemas
from dataflow.files import FileRef
from dataflow.registry import default_registry
from dataflow.testing import build_component, drive, read_all

REGISTRY = default_registry()
TYPES = REGISTRY.types()
SAMPLE_RECORDS = [
    {"UID": "u1", "GigyaUid": "u1", "EMAIL": "a@example.com", "profile": {"email": "a@example.com"}, "data": {}},
    {"UID": "u2", "GigyaUid": "u2", "EMAIL": "b@example.com", "profile": {"email": "b@example.com"}, "data": {}},
]
WRONG_VALUES = {"string": 12345, "boolean": "maybe", "integer": "x", "number": "x", "array": "x", "object": "x"}


def _info(type_name: str) -> Any:
    return REGISTRY.get(type_name)


def _examples(type_name: str) -> list[dict[str, Any]]:
    return _info(type_name).schema.get("examples", [])


@pytest.fixture(scope="module")
def sftp_service():
    """A real OpenSSH sshd for components that need an SFTP server."""
    from tests.sftp import sshd

    if reason := sshd.available():
        pytest.skip(f"no OpenSSH server: {reason}")
    with sshd.running() as server:
        yield server


@pytest.fixture(scope="module")
def gigya_service():
    """Two Gigya sandboxes on loopback: an empty site and one holding a little of everything."""
    from tests.gigya.service import running

    with running() as stand_in:
        yield stand_in


@pytest.fixture(scope="module")
def silverpop_service():
    """The Silverpop sandbox (API, OAuth, SFTP) on loopback."""
    from tests.silverpop.service import running

    with running() as stand_in:
        yield stand_in


def _partner(name: str):
    from tests.partners.conformance import running

    with running(name) as stand_in:
        yield stand_in


mailchimp_service = pytest.fixture(scope="module", name="mailchimp_service")(lambda: (yield from _partner("mailchimp")))
marketo_service = pytest.fixture(scope="module", name="marketo_service")(lambda: (yield from _partner("marketo")))
campaignmonitor_service = pytest.fixture(scope="module", name="campaignmonitor_service")(
    lambda: (yield from _partner("campaignmonitor"))
)
constantcontact_service = pytest.fixture(scope="module", name="constantcontact_service")(
    lambda: (yield from _partner("constantcontact"))
)
salesforce_service = pytest.fixture(scope="module", name="salesforce_service")(
    lambda: (yield from _partner("salesforce"))
)
sfmc_service = pytest.fixture(scope="module", name="sfmc_service")(lambda: (yield from _partner("sfmc")))
bluekai_service = pytest.fixture(scope="module", name="bluekai_service")(lambda: (yield from _partner("bluekai")))


@pytest.fixture(scope="module")
def s3_service():
    """moto's S3 server, with IAM users, on loopback."""
    from tests.storage.service import running_s3

    with running_s3() as stand_in:
        yield stand_in


@pytest.fixture(scope="module")
def azure_service():
    """azurite's Blob server on loopback."""
    from tests.storage.service import azurite_missing, running_azure

    if reason := azurite_missing():
        pytest.skip(reason)
    with running_azure() as stand_in:
        yield stand_in


@pytest.fixture(scope="module")
def ftp_service():
    """pyftpdlib with explicit FTPS (the documented examples use TLS) on loopback."""
    from tests.storage.service import running_ftp

    with running_ftp(tls=True) as stand_in:
        yield stand_in


def _service_params(request: pytest.FixtureRequest, cls: Any, params: dict[str, Any], with_file: bool) -> dict:
    """A documented example pointed at a local stand-in of the component's service (if it needs one)."""
    service = getattr(cls, "needs_service", None)
    if service is None:
        return params
    stand_in = request.getfixturevalue(f"{service}_service")
    return stand_in.example_params(params, sample_file="UID\nu1\n" if with_file else None)


@pytest.fixture(autouse=True)
def _work_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Examples name relative directories; give them a scratch working directory."""
    monkeypatch.chdir(tmp_path)


def _sample_input(kind: str, tmp_path: Path, schema: dict[str, Any]) -> list:
    """Two records, or a small CSV file unless the schema's ``x-sampleInput`` names a file the component reads."""
    if kind == "records":
        return [dict(record) for record in SAMPLE_RECORDS]
    sample = schema.get("x-sampleInput") or {"fileName": "sample.csv", "text": "UID,EMAIL\nu1,a@example.com\n"}
    path = tmp_path / sample["fileName"]
    path.write_text(sample["text"], encoding="utf-8")
    return [FileRef.of(path)]


def _prepare_reader_input(params: dict[str, Any], tmp_path: Path, with_file: bool) -> None:
    """Readers of local files get their directory; readers of services bring their own sandbox tests."""
    if "path" in params:
        directory = Path(params["path"])
        directory.mkdir(parents=True, exist_ok=True)
        if with_file:
            (directory / "sample.csv").write_text("UID\nu1\n")


@pytest.mark.parametrize("type_name", TYPES)
def test_schema_is_valid_and_documents_every_param(type_name: str) -> None:
    schema = _info(type_name).schema
    Draft202012Validator.check_schema(schema)
    assert schema.get("type") == "object"
    assert schema.get("description"), "the schema needs a description of the component"
    assert schema.get("additionalProperties") is False, "unknown params must be reported"
    for name, spec in schema.get("properties", {}).items():
        assert spec.get("description"), f"param '{name}' has no description"
        assert "type" in spec or "enum" in spec, f"param '{name}' has no type"
        if "default" in spec:
            assert not list(Draft202012Validator(spec).iter_errors(spec["default"])), f"default of '{name}' is invalid"
    for name in schema.get("required", []):
        assert name in schema.get("properties", {}), f"required param '{name}' is not described"


@pytest.mark.parametrize("type_name", TYPES)
def test_examples_validate_and_build(type_name: str, tmp_path: Path) -> None:
    examples = _examples(type_name)
    assert examples, "the schema needs at least one example"
    for params in examples:
        build_component(type_name, params, tmp_path / "work").close()


@pytest.mark.parametrize("type_name", TYPES)
def test_bad_params_name_the_param(type_name: str) -> None:
    info = _info(type_name)
    validator = schemas.validator_for(info.schema)
    base = dict(_examples(type_name)[0])
    for name, spec in info.schema.get("properties", {}).items():
        kind = spec.get("type")
        bad = "__not_an_option__" if "enum" in spec else WRONG_VALUES.get(kind if isinstance(kind, str) else "")
        if bad is None:
            continue
        found = [p.message for p in schemas.problems(validator, {**base, name: bad}, noun="param")]
        assert any(f"param '{name}'" in message for message in found), (name, found)
    found = [p.message for p in schemas.problems(validator, {**base, "noSuchParam": 1}, noun="param")]
    assert any("unknown param 'noSuchParam'" in message for message in found)
    for name in info.schema.get("required", []):
        params = {k: v for k, v in base.items() if k != name}
        found = [p.message for p in schemas.problems(validator, params, noun="param")]
        assert f"missing required param '{name}'" in found


@pytest.mark.parametrize("type_name", TYPES)
def test_empty_input_does_not_crash(type_name: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    cls = _info(type_name).cls
    params = _service_params(request, cls, _examples(type_name)[0], with_file=False)
    if cls.consumes is None:
        _prepare_reader_input(params, tmp_path, with_file=False)
        component = build_component(type_name, params, tmp_path / "work")
        assert read_all(component) == []
    else:
        component = build_component(type_name, params, tmp_path / "work")
        emitted, rejected = drive(component, [[]])
        assert rejected == []
        assert all(isinstance(item, FileRef) for item in emitted)  # only formatters may emit (an empty file)
    assert component.counters.reconciles()


@pytest.mark.parametrize("type_name", TYPES)
def test_declared_kinds_match_what_flows(type_name: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    cls = _info(type_name).cls
    params = _service_params(request, cls, _examples(type_name)[0], with_file=True)
    if cls.consumes is None:
        _prepare_reader_input(params, tmp_path, with_file=True)
        emitted = read_all(build_component(type_name, params, tmp_path / "work"))
    else:
        component = build_component(type_name, params, tmp_path / "work")
        emitted, _ = drive(component, [_sample_input(cls.consumes, tmp_path, _info(type_name).schema)])
        assert component.counters.reconciles(), component.counters
    assert emitted, "a sample input should produce something"
    expected = FileRef if cls.produces == "files" else dict
    assert all(isinstance(item, expected) for item in emitted), (cls.produces, emitted)


@pytest.mark.parametrize("type_name", TYPES)
def test_it_says_whether_it_can_run_in_partitions(type_name: str) -> None:
    from dataflow.component import Formatter

    component = _info(type_name).cls
    for example in _examples(type_name) or [{}]:
        params = schemas.with_defaults(_info(type_name).schema, example)
        problem = component.partition_problem(params)
        assert problem is None or (isinstance(problem, str) and problem), (type_name, problem)
        if issubclass(component, Formatter) and problem is None:
            assert component.join is not Formatter.join, f"{type_name} runs in partitions but cannot join them"
