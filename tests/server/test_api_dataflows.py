"""idx.*Dataflow* over HTTP with a plain requests client: create, read (secrets masked), full replace with a new
version, masked secrets kept, 403200 on an unchanged set, drafts beside the published flow, and bad input."""

from __future__ import annotations

from pathlib import Path

from tests.server.conftest import SITE_B, Served, file_flow, with_sftp_branch


def test_create_get_set_and_a_redundant_set(served: Served, tmp_path: Path) -> None:
    client = served.client()
    flow = with_sftp_branch(file_flow(tmp_path))
    created = client.ok("idx.createDataflow", data=flow)
    assert created["version"] == 1 and len(created["id"]) == 32
    got = client.ok("idx.getDataflow", id=created["id"])
    assert (got["name"], got["status"], got["version"], got["apiKey"]) == (flow["name"], "published", 1, "3_siteA")
    assert got["steps"][-1]["params"]["password"] == "********"  # writeOnly params come back masked
    got["description"] = "changed, secret untouched"
    envelope_fields = ("callId", "errorCode", "apiVersion", "statusCode", "statusReason", "time")
    document = {k: v for k, v in got.items() if k not in envelope_fields}
    assert client.ok("idx.setDataflow", data=document)["version"] == 2
    stored = served.ctx.store.get_flow(created["id"], site="3_siteA")
    assert stored.document["steps"][-1]["params"]["password"] == "s3cret-pass"  # the masked value was kept
    again = client.call("idx.setDataflow", data=document)
    assert (again["errorCode"], again["errorMessage"], again["errorDetails"]) == (
        403200,
        "Redundant Operation",
        "dataflow has not changed",
    )
    assert again["statusCode"] == 403 and again["statusReason"] == "Forbidden"


def test_set_is_a_full_replace(served: Served, tmp_path: Path) -> None:
    client = served.client()
    created = client.ok("idx.createDataflow", data=file_flow(tmp_path))
    steps = file_flow(tmp_path)["steps"]
    client.ok("idx.setDataflow", data={"id": created["id"], "name": "renamed", "steps": steps})
    got = client.ok("idx.getDataflow", id=created["id"])
    assert got["name"] == "renamed" and "description" not in got and got["version"] == 2


def test_a_masked_secret_with_nothing_stored_is_refused(served: Served, tmp_path: Path) -> None:
    body = served.client().call("idx.createDataflow", data=with_sftp_branch(file_flow(tmp_path), "********"))
    assert body["errorCode"] == 400006
    assert "step 'upload' param 'password' is ********" in body["errorDetails"]


def test_an_invalid_flow_is_refused_with_findings_and_pointers(served: Served, tmp_path: Path) -> None:
    flow = file_flow(tmp_path)
    flow["steps"][2]["params"] = {"fields": [{"sourceField": "a"}]}
    flow["steps"][3]["next"] = ["nowhere"]
    body = served.client().call("idx.createDataflow", data=flow)
    assert body["errorCode"] == 400009 and body["errorMessage"] == "Validation error"
    pointers = {error["fieldName"] for error in body["validationErrors"]}
    assert "/steps/2/params/fields/0" in pointers and "/steps/3/next/0" in pointers
    assert "step 'dsv' (file.format.dsv)" in body["errorDetails"] and "[/steps/3/next/0]" in body["errorDetails"]
    assert served.ctx.store.list_flows("3_siteA") == []  # nothing stored


def test_drafts_live_beside_published_flows(served: Served, tmp_path: Path) -> None:
    client = served.client()
    broken = {"name": "work in progress", "steps": [{"id": "x", "type": "no.such.type"}]}
    draft = client.ok("idx.createDataflowDraft", data=broken)  # drafts may be incomplete
    published = client.ok("idx.createDataflow", data=file_flow(tmp_path))
    first_draft = client.ok("idx.createDataflowDraft", data={**file_flow(tmp_path), "id": published["id"]})
    assert first_draft["id"] == published["id"]
    client.ok("idx.setDataflowDraft", data={**broken, "id": draft["id"], "description": "more"})
    drafts = client.ok("idx.search", query="SELECT id, name, version FROM dataflow_draft ORDER BY name")
    assert [(d["name"], d["version"]) for d in drafts["result"]] == [("accounts export", 1), ("work in progress", 2)]
    assert client.call("idx.getDataflow", id=draft["id"])["errorCode"] == 404000  # no published version
    assert client.ok("idx.getDataflow", id=published["id"])["status"] == "published"


def test_each_site_sees_only_its_own_flows(served: Served, tmp_path: Path) -> None:
    mine = served.client().ok("idx.createDataflow", data=file_flow(tmp_path))
    other = served.client(SITE_B)
    assert other.call("idx.getDataflow", id=mine["id"])["errorCode"] == 404000
    assert other.call("idx.setDataflow", data={**file_flow(tmp_path), "id": mine["id"]})["errorCode"] == 404000
    assert other.call("idx.deleteDataflow", id=mine["id"])["errorCode"] == 404000
    assert other.ok("idx.search", query="SELECT * FROM dataflow")["result"] == []
    same_name = other.ok("idx.createDataflow", data=file_flow(tmp_path))  # names repeat across sites
    assert same_name["id"] != mine["id"]
    dup = served.client().call("idx.createDataflow", data=file_flow(tmp_path))
    assert dup["errorCode"] == 400003


def test_delete_removes_the_flow(served: Served, tmp_path: Path) -> None:
    client = served.client()
    created = client.ok("idx.createDataflow", data=file_flow(tmp_path))
    client.ok("idx.deleteDataflow", id=created["id"])
    assert client.call("idx.getDataflow", id=created["id"])["errorCode"] == 404000
    assert client.call("idx.deleteDataflow", id=created["id"])["errorCode"] == 404000


def test_bad_input_gets_gigya_codes_never_a_traceback(served: Served) -> None:
    client = served.client()
    cases = {
        ("idx.createDataflow", (("data", '{"name": "x", "steps": ['),)): 400006,
        ("idx.createDataflow", (("data", "[1, 2]"),)): 400006,
        ("idx.createDataflow", ()): 400002,
        ("idx.createDataflow", (("data", '{"steps": []}'),)): 400002,
        ("idx.setDataflow", (("data", '{"name": "x", "steps": []}'),)): 400002,
        ("idx.getDataflow", ()): 400002,
        ("idx.getDataflow", (("id", "nope"),)): 404000,
        ("idx.noSuchMethod", ()): 400096,
        ("accounts.search", ()): 400096,
    }
    for (method, params), code in cases.items():
        body = client.call(method, **dict(params))
        assert body["errorCode"] == code, (method, params, body)
        assert body["statusCode"] == code // 1000 and "Traceback" not in body["errorDetails"]
    syntax = client.call("idx.createDataflow", data='{"name": "x",\n "steps": [}')
    assert "at line 2, column" in syntax["errorDetails"]
