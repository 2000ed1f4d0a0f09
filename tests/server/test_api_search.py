"""idx.search: WHERE/ORDER BY/START/LIMIT, projections, cursors over several pages, and query errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataflow.server.query import QuerySyntaxError, parse
from tests.server.conftest import SITE_B, Served, file_flow


@pytest.fixture
def seven_flows(served: Served, tmp_path: Path) -> list[str]:
    client = served.client()
    ids = []
    for index in range(7):
        flow = {**file_flow(tmp_path, name=f"flow {index}"), "description": "even" if index % 2 == 0 else "odd"}
        ids.append(client.ok("idx.createDataflow", data=flow)["id"])
    client.ok("idx.setDataflow", data={**file_flow(tmp_path, name="flow 3"), "id": ids[3], "description": "bumped"})
    served.client(SITE_B).ok("idx.createDataflow", data=file_flow(tmp_path, name="flow of B"))
    return ids


def names(body: dict) -> list[str]:
    return [row["name"] for row in body["result"]]


def test_where_order_start_and_limit(served: Served, seven_flows: list[str]) -> None:
    client = served.client()
    everything = client.ok("idx.search", query="SELECT * FROM dataflow")
    assert everything["totalCount"] == everything["resultCount"] == 7
    desc = client.ok("idx.search", query="SELECT name FROM dataflow ORDER BY name DESC LIMIT 3")
    assert names(desc) == ["flow 6", "flow 5", "flow 4"] and desc["totalCount"] == 7
    assert desc["result"][0] == {"name": "flow 6"}  # only the selected fields
    paged = client.ok("idx.search", query="select name from dataflow order by name start 2 limit 2")
    assert names(paged) == ["flow 2", "flow 3"]
    even = client.ok("idx.search", query="SELECT * FROM dataflow WHERE description = 'even' ORDER BY name")
    assert names(even) == ["flow 0", "flow 2", "flow 4", "flow 6"] and even["totalCount"] == 4
    combined = client.ok(
        "idx.search",
        query="SELECT * FROM dataflow WHERE (version >= 2 OR name IN ('flow 0', 'flow 1')) "
        "AND name LIKE 'flow%' ORDER BY version DESC, name",
    )
    assert names(combined) == ["flow 3", "flow 0", "flow 1"]
    by_id = client.ok("idx.search", query=f"SELECT id, version FROM dataflow WHERE id = '{seven_flows[3]}'")
    assert by_id["result"] == [{"id": seven_flows[3], "version": 2}] and by_id["totalCount"] == 1
    none = client.ok("idx.search", query="SELECT * FROM dataflow WHERE lastRuntime IS NOT NULL")
    assert none["result"] == [] and none["totalCount"] == 0


def test_cursor_pages_through_a_snapshot(served: Served, seven_flows: list[str], tmp_path: Path) -> None:
    client = served.client()
    page = client.ok("idx.search", query="SELECT name FROM dataflow ORDER BY name LIMIT 3", openCursor="true")
    seen = names(page)
    assert page["totalCount"] == 7 and "nextCursorId" in page
    client.ok("idx.createDataflow", data=file_flow(tmp_path, name="flow 00 added later"))
    first_cursor = page["nextCursorId"]
    while "nextCursorId" in page:
        page = client.ok("idx.search", cursorId=page["nextCursorId"])
        seen += names(page)
    assert seen == [f"flow {i}" for i in range(7)]  # the page boundaries did not shift
    assert names(client.ok("idx.search", cursorId=first_cursor)) == ["flow 3", "flow 4", "flow 5"]  # resendable
    other_site = served.client(SITE_B).call("idx.search", cursorId=first_cursor)
    assert other_site["errorCode"] == 400006
    assert client.call("idx.search", cursorId="no-such-0")["errorCode"] == 400006


def test_query_errors_name_the_place(served: Served) -> None:
    client = served.client()
    bad = client.call("idx.search", query="SELECT * FROM dataflow WHERE name = ")
    assert bad["errorCode"] == 400006 and "at column 37" in bad["errorDetails"]
    assert "unknown table 'accounts'" in client.call("idx.search", query="SELECT * FROM accounts")["errorDetails"]
    assert client.call("idx.search")["errorCode"] == 400002


def test_the_parser_reads_the_idx_examples_and_refuses_junk() -> None:
    query = parse("SELECT * FROM idx_job_status WHERE dataflowId='abc' ORDER BY updateTime DESC LIMIT 5")
    assert (query.table, query.conjuncts, query.order_by, query.limit) == (
        "idx_job_status",
        [("dataflowId", "=", "abc")],
        [("updateTime", True)],
        5,
    )
    assert query.where is not None and query.where({"dataflowId": "abc"}) and not query.where({"dataflowId": "x"})
    nulls = parse("select * from scheduling where nextJobStartTime is null and not enabled = false")
    assert nulls.where({"nextJobStartTime": None, "enabled": True})
    assert not nulls.where({"nextJobStartTime": None, "enabled": False})
    assert parse("select * from x where a = 'it''s'").where({"a": "it's"})
    assert parse("select * from x where data.n > 2").where({"data": {"n": 3}})
    for junk, column in [("SELECT FROM x", 8), ("select * from x where a ~ 1", 25), ("select * from x limit", 22)]:
        with pytest.raises(QuerySyntaxError) as problem:
            parse(junk)
        assert problem.value.column == column, problem.value


def test_count_star_counts_the_site_s_matching_rows(served: Served, seven_flows: list[str]) -> None:
    client = served.client()
    everything = client.ok("idx.search", query="SELECT count(*) FROM dataflow")
    assert everything["result"] == [{"count(*)": 7}] and everything["totalCount"] == 7  # site B's flow not counted
    in_sql = client.ok("idx.search", query=f"select COUNT(*) from dataflow where id = '{seven_flows[2]}'")
    assert in_sql["result"] == [{"count(*)": 1}]
    evaluated = client.ok("idx.search", query="SELECT count(*) FROM dataflow WHERE description = 'odd' OR version > 1")
    assert evaluated["result"] == [{"count(*)": 3}]  # flows 1, 3 (odd, and bumped to version 2) and 5
    assert client.ok("idx.search", query="SELECT count(*) FROM idx_job_status")["result"] == [{"count(*)": 0}]
    bad = client.call("idx.search", query="SELECT count(name) FROM dataflow")
    assert bad["errorCode"] == 400006 and "expected FROM" in bad["errorDetails"]


def test_the_script_table_lists_the_registered_components(served: Served) -> None:
    client = served.client()
    types = served.ctx.registry.types()
    one = client.ok("idx.search", query="SELECT * FROM script WHERE id = 'datasource.read.gigya.account'")
    [row] = one["result"]
    assert row["category"] == "datasource" and (row["consumes"], row["produces"]) == (None, "records")
    assert row["paramsSchema"] == served.ctx.registry.get("datasource.read.gigya.account").schema
    assert row["description"]
    listed = client.ok("idx.search", query="SELECT id FROM script ORDER BY id DESC LIMIT 1000")
    assert [r["id"] for r in listed["result"]] == sorted(types, reverse=True) and listed["totalCount"] == len(types)
    writers = client.ok("idx.search", query="SELECT count(*) FROM script WHERE id LIKE 'datasource.write.%'")
    assert writers["result"] == [{"count(*)": sum(t.startswith("datasource.write.") for t in types)}]
    same_for_b = served.client(SITE_B).ok("idx.search", query="SELECT count(*) FROM script")
    assert same_for_b["result"] == [{"count(*)": len(types)}]
    page = client.ok("idx.search", query="SELECT id FROM script ORDER BY id LIMIT 10", openCursor="true")
    assert len(page["result"]) == 10 and "nextCursorId" in page
