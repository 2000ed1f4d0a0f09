"""Metadata, schema and relational tables: GetLists, GetListMetaData, AddListColumn, CreateTable, JoinTable,
InsertUpdateRelationalTable, with the reserved ``email`` field and the org-wide row cap."""

from __future__ import annotations

from sandbox.silverpop import ManualClock
from tests.sandbox_silverpop.client import XmlClient, columns


def _row(**values: str) -> str:
    return (
        "<ROW>"
        + "".join(f'<COLUMN name="{name}"><![CDATA[{value}]]></COLUMN>' for name, value in values.items())
        + "</ROW>"
    )


def _insert(client: XmlClient, table: str, *rows: str):  # type: ignore[no-untyped-def]
    table_id = client.sandbox.tables[table]
    return client.ok("InsertUpdateRelationalTable", f"<TABLE_ID>{table_id}</TABLE_ID><ROWS>{''.join(rows)}</ROWS>")


def test_get_lists_by_type_and_visibility(sp_client: XmlClient) -> None:
    databases = sp_client.ok("GetLists", "<VISIBILITY>0</VISIBILITY><LIST_TYPE>0</LIST_TYPE>")
    assert {node.findtext("NAME") for node in databases.findall("LIST")} == {"Gigya Master", "Newsletter"}
    first = databases.find("LIST")
    assert first is not None
    for tag in (
        "ID",
        "NAME",
        "TYPE",
        "SIZE",
        "NUM_OPT_OUTS",
        "NUM_UNDELIVERABLE",
        "LAST_MODIFIED",
        "VISIBILITY",
        "PARENT_NAME",
        "USER_ID",
        "PARENT_FOLDER_ID",
        "IS_FOLDER",
        "FLAGGED_FOR_BACKUP",
        "SUPPRESSION_LIST_ID",
    ):
        assert first.find(tag) is not None, tag
    tables = sp_client.ok("GetLists", "<VISIBILITY>0</VISIBILITY><LIST_TYPE>15</LIST_TYPE>")
    assert {node.findtext("NAME") for node in tables.findall("LIST")} == {"Likes", "Favorites", "GM", "Signals"}
    assert sp_client.ok("GetLists", "<VISIBILITY>1</VISIBILITY><LIST_TYPE>0</LIST_TYPE>").find("LIST") is None
    # pysilverpop drops falsy values: no VISIBILITY and no LIST_TYPE mean 0 and 0
    assert len(sp_client.ok("GetLists").findall("LIST")) == 2


def test_get_list_meta_data_of_a_database_and_a_table(sp_client: XmlClient) -> None:
    master = sp_client.ok("GetListMetaData", f"<LIST_ID>{sp_client.sandbox.lists['Gigya Master']}</LIST_ID>")
    assert master.findtext("SIZE") == "20"  # the seeded contacts
    types = {node.findtext("NAME"): node.findtext("TYPE") for node in master.findall("COLUMNS/COLUMN")}
    assert types["EMAIL"] == "9" and types["BirthDate"] == "3" and types["LastUpdated"] == "17"
    assert [node.findtext("NAME") for node in master.findall("KEY_COLUMNS/COLUMN")] == ["GigyaUid"]
    likes = sp_client.ok("GetListMetaData", f"<LIST_ID>{sp_client.sandbox.tables['Likes']}</LIST_ID>")
    assert likes.findtext("TYPE") == "15"
    assert [node.findtext("NAME") for node in likes.findall("KEY_COLUMNS/COLUMN")] == ["GigyaUid", "LikeId"]
    assert sp_client.fault("GetListMetaData", "<LIST_ID>5</LIST_ID>")[0] == 108


def test_add_list_column(sp_client: XmlClient) -> None:
    master = sp_client.sandbox.lists["Gigya Master"]
    sp_client.ok(
        "AddListColumn",
        f"<LIST_ID>{master}</LIST_ID><COLUMN_NAME>Tier</COLUMN_NAME><COLUMN_TYPE>6</COLUMN_TYPE>"
        "<DEFAULT>Bronze</DEFAULT><SELECTION_VALUES><VALUE>Bronze</VALUE><VALUE>Gold</VALUE></SELECTION_VALUES>",
    )
    assert all(contact["fields"]["Tier"] == "Bronze" for contact in sp_client.sandbox.contacts(master))
    sp_client.ok("AddRecipient", f"<LIST_ID>{master}</LIST_ID>" + columns(GigyaUid="t1", Tier="gold"))
    assert (sp_client.sandbox.contact(master, GigyaUid="t1") or {})["fields"]["Tier"] == "Gold"
    assert (
        sp_client.fault("AddRecipient", f"<LIST_ID>{master}</LIST_ID>" + columns(GigyaUid="t2", Tier="Platinum"))[0]
        == 51
    )
    duplicate = f"<LIST_ID>{master}</LIST_ID><COLUMN_NAME>tier</COLUMN_NAME><COLUMN_TYPE>0</COLUMN_TYPE>"
    assert sp_client.fault("AddListColumn", duplicate)[0] == 51
    bad_type = f"<LIST_ID>{master}</LIST_ID><COLUMN_NAME>X</COLUMN_NAME><COLUMN_TYPE>42</COLUMN_TYPE>"
    assert sp_client.fault("AddListColumn", bad_type)[0] == 51


def _create(name: str, *cols: tuple[str, str, bool]) -> str:
    body = "".join(
        f"<COLUMN><NAME>{n}</NAME><TYPE>{t}</TYPE>{'<KEY_COLUMN>true</KEY_COLUMN>' if key else ''}</COLUMN>"
        for n, t, key in cols
    )
    return f"<TABLE_NAME>{name}</TABLE_NAME><COLUMNS>{body}</COLUMNS>"


def test_create_table_and_its_rules(sp_client: XmlClient) -> None:
    result = sp_client.ok("CreateTable", _create("Purchases", ("GigyaUid", "TEXT", True), ("Amount", "NUMERIC", False)))
    table_id = int(result.findtext("TABLE_ID") or 0)
    assert sp_client.sandbox.tables["Purchases"] == table_id
    assert (
        "reserved"
        in sp_client.fault("CreateTable", _create("Mail", ("Id", "TEXT", True), ("email", "EMAIL", False)))[2]
    )
    assert (
        "reserved" in sp_client.fault("CreateTable", _create("Mail", ("Id", "TEXT", True), ("Email", "TEXT", False)))[2]
    )
    assert sp_client.fault("CreateTable", _create("NoKey", ("Id", "TEXT", False)))[0] == 51
    assert sp_client.fault("CreateTable", _create("Purchases", ("Id", "TEXT", True)))[0] == 51
    assert sp_client.fault("CreateTable", _create("Odd", ("Id", "BLOB", True)))[0] == 51
    assert "Mail" not in sp_client.sandbox.tables


def test_table_count_limit(silverpop_factory) -> None:  # type: ignore[no-untyped-def]
    client = XmlClient(silverpop_factory(max_tables=4))
    assert "already has 4" in client.fault("CreateTable", _create("Fifth", ("Id", "TEXT", True)))[2]


def test_insert_update_relational_table(sp_client: XmlClient) -> None:
    result = _insert(
        sp_client,
        "Likes",
        _row(GigyaUid="u1", LikeId="l1", Name="Jazz", CreatedTime="01/09/2020 10:00:00"),
        _row(GigyaUid="u1", LikeId="l2", Name="Chess"),
    )
    assert result.find("FAILURES") is None  # omitted when there are none
    _insert(sp_client, "Likes", _row(GigyaUid="u1", LikeId="l1", Name="Blues"))
    rows = sp_client.sandbox.rows("Likes")
    assert [(row["LikeId"], row["Name"]) for row in rows] == [("l1", "Blues"), ("l2", "Chess")]
    assert rows[0]["CreatedTime"] == "01/09/2020 10:00:00"


def test_insert_update_failures_keep_success_and_echo_keys(sp_client: XmlClient) -> None:
    result = _insert(
        sp_client,
        "GM",
        _row(GigyaUid="u2", ChallengeId="c1", Level="3"),
        _row(GigyaUid="u2", ChallengeId="c2", Level="three"),
        _row(GigyaUid="u2", ChallengeId="c3", LastUpdated="2020-01-09"),
        _row(GigyaUid="u2", ChallengeId="c4", email="x@example.com"),
        _row(GigyaUid="u2", ChallengeId="c5", level="1"),  # column names are case-sensitive
        _row(ChallengeId="c6"),
    )
    failures = result.findall("FAILURES/FAILURE")
    described = {f.findtext("COLUMN[@name='ChallengeId']"): f.get("description") or "" for f in failures}
    assert described["c2"] == "Invalid Numeric Value in column: Level"
    assert described["c3"] == "Invalid Date Value in column: LastUpdated"
    assert "reserved" in described["c4"]
    assert "does not exist" in described["c5"]
    assert "Missing key" in described["c6"]
    assert all(f.get("failure_type") == "permanent" for f in failures)
    assert [row["ChallengeId"] for row in sp_client.sandbox.rows("GM")] == ["c1"]


def test_relational_row_cap_is_org_wide(silverpop_factory) -> None:  # type: ignore[no-untyped-def]
    client = XmlClient(silverpop_factory(max_relational_rows=3))
    _insert(client, "Likes", _row(GigyaUid="u", LikeId="1"), _row(GigyaUid="u", LikeId="2"))
    result = _insert(client, "Signals", _row(GigyaUid="u", SignalName="a"), _row(GigyaUid="u", SignalName="b"))
    failures = result.findall("FAILURES/FAILURE")
    assert len(failures) == 1 and "row limit" in (failures[0].get("description") or "")
    _insert(client, "Likes", _row(GigyaUid="u", LikeId="1", Name="update is fine at the cap"))
    assert len(client.sandbox.rows("Likes")) + len(client.sandbox.rows("Signals")) == 3


def test_rows_per_call_limit(silverpop_factory) -> None:  # type: ignore[no-untyped-def]
    client = XmlClient(silverpop_factory(max_rows_per_call=1))
    table_id = client.sandbox.tables["Likes"]
    rows = _row(GigyaUid="u", LikeId="1") + _row(GigyaUid="u", LikeId="2")
    assert client.fault("InsertUpdateRelationalTable", f"<TABLE_ID>{table_id}</TABLE_ID><ROWS>{rows}</ROWS>")[0] == 51
    assert client.sandbox.rows("Likes") == []


def test_unknown_table_is_108(sp_client: XmlClient) -> None:
    assert sp_client.fault("InsertUpdateRelationalTable", "<TABLE_ID>1</TABLE_ID><ROWS/>")[0] == 108


def test_join_table_is_a_job(sp_client: XmlClient, silverpop_clock: ManualClock) -> None:
    sandbox = sp_client.sandbox
    body = (
        f"<TABLE_ID>{sandbox.tables['Likes']}</TABLE_ID><LIST_ID>{sandbox.lists['Gigya Master']}</LIST_ID>"
        "<MAP_FIELD><LIST_FIELD>GigyaUid</LIST_FIELD><TABLE_FIELD>GigyaUid</TABLE_FIELD></MAP_FIELD>"
    )
    job_id = sp_client.ok("JoinTable", body).findtext("JOB_ID") or ""
    assert sandbox.joins("Likes") == {}
    silverpop_clock.advance(20)
    assert sp_client.job_status(job_id)[0] == "COMPLETE"
    assert sandbox.joins("Likes") == {sandbox.lists["Gigya Master"]: [("GigyaUid", "GigyaUid")]}
    bad = body.replace("<TABLE_FIELD>GigyaUid", "<TABLE_FIELD>Nope")
    assert sp_client.fault("JoinTable", bad)[0] == 51


def test_delete_relational_table_data_by_key(sp_client: XmlClient) -> None:
    _insert(
        sp_client,
        "Likes",
        _row(GigyaUid="u1", LikeId="1", Name="A"),
        _row(GigyaUid="u1", LikeId="2", Name="B"),
        _row(GigyaUid="u2", LikeId="1", Name="C"),
    )
    table_id = sp_client.sandbox.tables["Likes"]

    def key(**values: str) -> str:
        return "<ROW>" + "".join(f'<KEY_COLUMN name="{n}">{v}</KEY_COLUMN>' for n, v in values.items()) + "</ROW>"

    rows = key(GigyaUid="u1", LikeId="2") + key(GigyaUid="u9", LikeId="9") + key(GigyaUid="u2")
    result = sp_client.ok("DeleteRelationalTableData", f"<TABLE_ID>{table_id}</TABLE_ID><ROWS>{rows}</ROWS>")
    failures = result.findall("FAILURES/FAILURE")
    # a row that is not there is no failure; a row named by part of its key is one, echoing what was sent
    assert [(f.get("failure_type"), f.get("description")) for f in failures] == [
        ("permanent", "Missing key column value: GigyaUid, LikeId")
    ]
    assert [(c.get("name"), c.text) for c in failures[0].findall("KEY_COLUMN")] == [("GigyaUid", "u2")]
    assert [(r["GigyaUid"], r["LikeId"]) for r in sp_client.sandbox.rows("Likes")] == [("u1", "1"), ("u2", "1")]
    too_many = "".join(key(GigyaUid="u", LikeId=str(i)) for i in range(1001))
    code, _, message = sp_client.fault(
        "DeleteRelationalTableData", f"<TABLE_ID>{table_id}</TABLE_ID><ROWS>{too_many}</ROWS>"
    )
    assert code == 51 and "1000 rows" in message


def test_a_layout_fixes_list_and_table_ids(silverpop_factory) -> None:  # type: ignore[no-untyped-def]
    from sandbox.silverpop import DatabaseSpec, TableSpec

    database = DatabaseSpec("Customer", ("GigyaUid",), (("GigyaUid", 0), ("Weekly", 1)), id=1234567)
    table = TableSpec("Likes", (("GigyaUid", "TEXT", True), ("LikeId", "TEXT", True)), id=1234574)
    sandbox = silverpop_factory(databases=(database,), tables=(table,), contacts=0)
    assert sandbox.lists == {"Customer": 1234567} and sandbox.tables == {"Likes": 1234574}
    client = XmlClient(sandbox)
    created = client.ok("CreateTable", "<TABLE_NAME>More</TABLE_NAME><COLUMNS><COLUMN><NAME>K</NAME>"
                        "<KEY_COLUMN>true</KEY_COLUMN></COLUMN></COLUMNS>")  # fmt: skip
    assert int(created.findtext("TABLE_ID") or 0) not in (1234567, 1234574)


def test_the_sftp_host_key_is_the_same_for_the_same_seed(silverpop_factory) -> None:  # type: ignore[no-untyped-def]
    first, again, other = silverpop_factory(seed=1), silverpop_factory(seed=1), silverpop_factory(seed=2)
    assert first.sftp_host_key == again.sftp_host_key != other.sftp_host_key
    assert first.info()["sftp"]["hostKeyFingerprint"] == "SHA256:Yt8+iMlRiJxCvI9szlXMlGQxSCfQxkiaIJdFzEv8ASU"
