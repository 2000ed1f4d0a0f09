"""An independent client: the official Node SDK (npm ``gigya`` 3.x) calls its idx.* methods against
``dataflow serve`` — create, read masked, set, a redundant set, schedule a run, pause it, page drafts with a
cursor, delete — signing every request itself (HMAC-SHA1, milliseconds timestamps)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.sandbox.test_npm_sdk import run_driver
from tests.server.conftest import SITE_A, Served, file_flow, with_sftp_branch


def test_the_node_sdk_manages_flows_and_schedulings_unchanged(served: Served, tmp_path: Path) -> None:
    flows = tmp_path / "flows.json"
    flows.write_text(
        json.dumps(
            {
                "runnable": file_flow(tmp_path / "runnable", name="node runnable", rows=12),
                "withSecret": with_sftp_branch(file_flow(tmp_path / "secret", name="node secret")),
            }
        )
    )
    result = run_driver("idx-driver.js", served.url, SITE_A["apiKey"], SITE_A["userKey"], SITE_A["secret"], str(flows))
    assert result["maskedPassword"] == "********"
    assert (result["setVersion"], result["redundantCode"]) == (2, 403200)
    secret_flow = served.ctx.store.get_flow(result["secretFlowId"], site=SITE_A["apiKey"])
    assert secret_flow.version == 2 and secret_flow.document["steps"][-1]["params"]["password"] == "s3cret-pass"
    assert result["job"]["status"] == "succeeded" and result["job"]["dataflowId"] == result["runnableId"]
    assert result["job"]["counters"]["parse"]["out"] == 12 and result["jobIdOnScheduling"]
    assert result["paused"] == {"enabled": False, "name": "node once (paused)"}
    assert result["draftNames"] == [f"draft {i}" for i in range(5)] and result["pages"] == 3
    assert result["deletedCode"] == 404000 and result["publishedIds"] == [result["secretFlowId"]]
    assert result["wrongSecretCode"] == 403003
    assert "sig" in result["signedKeys"] and "secret" not in result["signedKeys"]  # it really signed
    assert result["hosts"] == ["idx.us1.gigya.com"]
