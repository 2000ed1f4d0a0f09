"""The console's pages over plain HTTP: sign-in required, sessions per site, the editor's conversions and param
form on the server side, and nothing of another site reachable by URL."""

from __future__ import annotations

import html
from pathlib import Path

import requests

from dataflow.server.console import param_form
from tests.server.conftest import SITE_A, SITE_B, Served, file_flow, server_registry, with_sftp_branch


def signed_in(served: Served, site: dict[str, str] = SITE_A) -> requests.Session:
    session = requests.Session()
    response = session.post(
        f"{served.url}/signin",
        data={"apiKey": site["apiKey"], "userKey": site["userKey"], "secret": site["secret"]},
        allow_redirects=False,
    )
    assert response.status_code == 303 and "samesite=strict" in response.headers["set-cookie"].lower()
    assert "httponly" in response.headers["set-cookie"].lower()
    return session


def test_pages_need_a_session_and_show_only_the_sites_own(served: Served, tmp_path: Path) -> None:
    anonymous = requests.get(f"{served.url}/", allow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/signin"
    flow_id = served.client().ok("idx.createDataflow", data=with_sftp_branch(file_flow(tmp_path)))["id"]
    mine = signed_in(served)
    page = mine.get(f"{served.url}/flows/{flow_id}").text
    assert "accounts export" in page and "********" in page and "s3cret-pass" not in page  # secrets stay masked
    theirs = signed_in(served, SITE_B)
    listing = theirs.get(f"{served.url}/").text
    assert "accounts export" not in listing
    assert "sample: silverpop/outbound-accounts.json" in listing and ".test.yaml" not in listing  # tests: no flows
    assert theirs.get(f"{served.url}/flows/{flow_id}").status_code == 404
    mine.post(f"{served.url}/signout")
    assert mine.get(f"{served.url}/", allow_redirects=False).status_code == 303


def test_the_editor_converts_validates_and_keeps_masked_secrets(served: Served, tmp_path: Path) -> None:
    flow_id = served.client().ok("idx.createDataflow", data=with_sftp_branch(file_flow(tmp_path)))["id"]
    session = signed_in(served)
    as_json = session.get(f"{served.url}/flows/{flow_id}").text
    assert "Valid: no problems found." in as_json
    as_yaml = session.get(f"{served.url}/flows/{flow_id}?format=yaml").text
    assert "name: accounts export" in as_yaml
    text = as_yaml.split('id="text"', 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]
    text = html.unescape(text).replace("description: file > parse", "description: edited > parse")
    saved = session.post(
        f"{served.url}/flows/edit",
        data={"text": text, "format": "yaml", "flow_id": flow_id, "action": "publish"},
        allow_redirects=False,
    )
    assert saved.status_code == 303 and "version%202" in saved.headers["location"]
    stored = served.ctx.store.get_flow(flow_id, site=SITE_A["apiKey"])
    assert stored.document["description"].startswith("edited") and stored.version == 2
    assert stored.document["steps"][-1]["params"]["password"] == "s3cret-pass"  # kept through the masked text
    broken = session.post(
        f"{served.url}/flows/edit",
        data={"text": "name: [unclosed", "format": "yaml", "flow_id": flow_id, "action": "publish"},
    )
    assert broken.status_code == 400 and "line 1" in broken.text


def test_param_form_fields_follow_the_schema() -> None:
    registry = server_registry()
    step = {"id": "dsv", "type": "file.format.dsv", "params": {"fileName": "a.csv", "createEmptyFile": False}}
    fields = {f.name: f for f in param_form.fields(registry, step)}
    assert fields["fileName"].widget == "text" and fields["fileName"].value == "a.csv"
    assert fields["createEmptyFile"].widget == "select" and fields["createEmptyFile"].value == "false"
    sftp = {f.name: f for f in param_form.fields(registry, {"type": "datasource.write.sftp", "params": {}})}
    assert sftp["password"].widget == "password" and sftp["host"].required
    problems = param_form.apply(
        registry, step, {"param.fileName": "", "param.createEmptyFile": "true", "param.maxFileSize": "x"}
    )
    assert problems and "maxFileSize" in problems[0]
    assert "fileName" not in step["params"] and step["params"]["createEmptyFile"] is True
