"""An independent client against the sandbox: pysilverpop 0.2.6 from PyPI, unmodified.

pysilverpop hard-codes ``https://api-campaign-us-%s.goacoustic.com`` as two class attributes with the pod
number as ``%s``. The only adaptation is a subclass that swaps those templates for the loopback URL (the pod
"number" becomes the port) plus ``OAUTHLIB_INSECURE_TRANSPORT=1``, without which oauthlib refuses plain http.
The templates must be replaced on the class: ``__init__`` hands the OAuth URL to requests-oauthlib at once.
"""

from __future__ import annotations

import pytest
import silverpop.api as silverpop_api

from sandbox.silverpop import SilverpopSandbox


@pytest.fixture
def client(silverpop: SilverpopSandbox, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")

    class LocalSilverpop(silverpop_api.Silverpop):  # type: ignore[misc, name-defined]
        oauth_endpoint = f"http://{silverpop.host}:%s/oauth/token"
        api_endpoint = f"http://{silverpop.host}:%s/XMLAPI"

    config = silverpop.config
    return LocalSilverpop(config.client_id, config.client_secret, config.refresh_token, server_number=silverpop.port)


def test_oauth_refresh_on_first_call_and_when_expired(client, silverpop: SilverpopSandbox) -> None:  # type: ignore[no-untyped-def]
    assert silverpop.tokens.live() == []
    client.get_lists(visibility=0, list_type=0, folder_id=None)  # starts with a fake expired token: refreshes
    first = client.session.token["access_token"]
    assert silverpop.tokens.live() == [first]
    assert client.session.token["expires_in"] == 14_400
    stale = {key: value for key, value in client.session.token.items() if key != "expires_at"}
    client.session.token = dict(stale, expires_in=-30)  # as if four hours had passed
    client.get_lists(visibility=0, list_type=0, folder_id=None)
    second = client.session.token["access_token"]
    assert second != first and second in silverpop.tokens.live()


def test_add_and_select_recipient(client, silverpop: SilverpopSandbox) -> None:  # type: ignore[no-untyped-def]
    master = silverpop.lists["Gigya Master"]
    added = client.add_recipient(
        list_id=master,
        created_from=0,  # falsy: pysilverpop drops it; the sandbox defaults CREATED_FROM to 0
        update_if_found=True,  # sent as an empty <UPDATE_IF_FOUND/>
        columns={"GigyaUid": "py-1", "EMAIL": "py@example.com", "Subscribed": "Yes"},
    )
    assert added.RecipientId.isdigit()
    again = client.add_recipient(
        list_id=master, created_from=2, update_if_found=True, columns={"GigyaUid": "py-1", "FirstName": "Py"}
    )
    assert again.RecipientId == added.RecipientId
    selected = client.select_recipient_data(list_id=master, columns={"GigyaUid": "py-1"})
    assert selected.EMAIL == "py@example.com"
    assert selected.RecipientId == added.RecipientId
    assert selected.COLUMNS["FirstName"] == "Py" and selected.COLUMNS["Subscribed"] == "Yes"
    contact = silverpop.contact(master, GigyaUid="py-1")
    assert contact is not None and contact["createdFrom"] == 0


def test_faults_raise_the_fault_string(client, silverpop: SilverpopSandbox) -> None:  # type: ignore[no-untyped-def]
    master = silverpop.lists["Gigya Master"]
    with pytest.raises(silverpop_api.SilverpopResponseException, match="Recipient is not a member of the list"):
        client.select_recipient_data(list_id=master, columns={"GigyaUid": "nobody"})
    with pytest.raises(silverpop_api.SilverpopResponseException, match="List with id 1 Does Not Exist"):
        client.get_list_meta_data(list_id=1)


def test_insert_update_relational_table(client, silverpop: SilverpopSandbox) -> None:  # type: ignore[no-untyped-def]
    table_id = str(silverpop.tables["Likes"])
    client.insert_update_relational_table(
        table_id=table_id,
        rows=[
            {"GigyaUid": "py-1", "LikeId": "l1", "Name": "Jazz", "CreatedTime": "01/09/2020 10:00:00"},
            {"GigyaUid": "py-1", "LikeId": "l2", "Name": "Chess"},
        ],
    )
    client.insert_update_relational_table(table_id=table_id, rows=[{"GigyaUid": "py-1", "LikeId": "l2", "Name": "Go"}])
    assert [(row["LikeId"], row["Name"]) for row in silverpop.rows("Likes")] == [("l1", "Jazz"), ("l2", "Go")]
    failed = client.insert_update_relational_table(
        table_id=table_id, rows=[{"GigyaUid": "py-1", "LikeId": "l3", "email": "x@y.z"}]
    )
    assert failed.SUCCESS == "TRUE" and "FAILURES" in failed.__dict__
    assert len(silverpop.rows("Likes")) == 2


def test_metadata_and_other_recipient_calls(client, silverpop: SilverpopSandbox) -> None:  # type: ignore[no-untyped-def]
    # Not get_list_meta_data: pysilverpop reads every RESULT/COLUMNS/COLUMN as NAME/VALUE and crashes on the
    # documented GetListMetaData shape (NAME, TYPE, DEFAULT_VALUE), against Acoustic as against the sandbox.
    master = silverpop.lists["Gigya Master"]
    tables = client.get_lists(visibility=0, list_type=15, folder_id=None)
    assert {entry["NAME"] for entry in tables.LIST} == {"Likes", "Favorites", "GM", "Signals"}
    client.add_recipient(list_id=master, created_from=1, columns={"GigyaUid": "py-2", "EMAIL": "two@example.com"})
    client.update_recipient(list_id=master, columns={"GigyaUid": "py-2", "LastName": "Two"})
    client.opt_out_recipient(list_id=master, email="two@example.com")
    contact = silverpop.contact(master, GigyaUid="py-2")
    assert contact is not None and contact["fields"]["LastName"] == "Two" and contact["optedOut"]
    client.remove_recipient(list_id=master, email="two@example.com", columns={"GigyaUid": "py-2"})
    assert silverpop.contact(master, GigyaUid="py-2") is None
