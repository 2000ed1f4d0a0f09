"""Recipient operations against the seeded databases, including their faults and the opt-out rules."""

from __future__ import annotations

import requests

from sandbox.silverpop import SilverpopSandbox
from tests.sandbox_silverpop.client import XmlClient, columns, envelope


def _master(client: XmlClient) -> int:
    return client.sandbox.lists["Gigya Master"]


def _add(client: XmlClient, uid: str, email: str, extra: str = "", **values: str) -> str:
    body = f"<LIST_ID>{_master(client)}</LIST_ID><CREATED_FROM>1</CREATED_FROM>{extra}"
    result = client.ok("AddRecipient", body + columns(GigyaUid=uid, EMAIL=email, **values))
    return result.findtext("RecipientId") or ""


def test_add_recipient_stores_typed_values(sp_client: XmlClient) -> None:
    recipient = _add(sp_client, "uid-1", "ann@example.com", Subscribed="true", BirthDate="4/5/1990", Score="12.5")
    contact = sp_client.sandbox.contact(_master(sp_client), GigyaUid="uid-1")
    assert contact is not None and str(contact["recipientId"]) == recipient
    assert contact["fields"]["Subscribed"] == "Yes"
    assert contact["fields"]["BirthDate"] == "04/05/1990"
    assert contact["fields"]["EMAIL"] == "ann@example.com"
    assert contact["optedOut"] is False and contact["createdFrom"] == 1


def test_add_recipient_duplicate_key_needs_update_if_found(sp_client: XmlClient) -> None:
    first = _add(sp_client, "uid-2", "b@example.com")
    errorid, _, message = sp_client.fault(
        "AddRecipient", f"<LIST_ID>{_master(sp_client)}</LIST_ID>" + columns(GigyaUid="uid-2", EMAIL="c@example.com")
    )
    assert errorid == 51 and "UPDATE_IF_FOUND" in message
    second = _add(sp_client, "uid-2", "c@example.com", "<UPDATE_IF_FOUND/>")
    assert first == second
    contact = sp_client.sandbox.contact(_master(sp_client), GigyaUid="uid-2")
    assert contact is not None and contact["fields"]["EMAIL"] == "c@example.com"


def test_add_recipient_faults_apply_nothing(sp_client: XmlClient) -> None:
    before = len(sp_client.sandbox.contacts(_master(sp_client)))
    cases = [
        columns(EMAIL="nokey@example.com"),  # no GigyaUid: the key column is required
        columns(GigyaUid="uid-3", BirthDate="1990-04-05"),  # not MM/dd/yyyy
        columns(GigyaUid="uid-3", Score="many"),
        columns(GigyaUid="uid-3", EMAIL="not-an-address"),
        columns(GigyaUid="uid-3", Nickname="x"),  # no such column
    ]
    for body in cases:
        errorid, error_class, _ = sp_client.fault("AddRecipient", f"<LIST_ID>{_master(sp_client)}</LIST_ID>{body}")
        assert (errorid, error_class) == (51, "SP.API")
    assert len(sp_client.sandbox.contacts(_master(sp_client))) == before


def test_unknown_and_bad_list_ids(sp_client: XmlClient) -> None:
    assert sp_client.fault("AddRecipient", "<LIST_ID>999</LIST_ID>")[:2] == (108, "SP.ListManager")
    assert sp_client.fault("AddRecipient", "<LIST_ID>abc</LIST_ID>")[:2] == (106, "SP.ListManager")


def test_unknown_columns_can_be_ignored(silverpop_factory) -> None:  # type: ignore[no-untyped-def]
    client = XmlClient(silverpop_factory(unknown_columns="ignore"))
    _add(client, "uid-4", "d@example.com", Nickname="x")
    assert "Nickname" not in (client.sandbox.contact(_master(client), GigyaUid="uid-4") or {})["fields"]


def test_select_recipient_data_emits_every_element(sp_client: XmlClient) -> None:
    recipient = _add(
        sp_client, "uid-5", "e@example.com", "<CONTACT_LISTS><CONTACT_LIST_ID>77</CONTACT_LIST_ID></CONTACT_LISTS>"
    )
    body = f"<LIST_ID>{_master(sp_client)}</LIST_ID><RETURN_CONTACT_LISTS>true</RETURN_CONTACT_LISTS>"
    result = sp_client.ok("SelectRecipientData", body + columns(GigyaUid="uid-5"))
    for tag in (
        "EMAIL",
        "Email",
        "RecipientId",
        "EmailType",
        "LastModified",
        "CreatedFrom",
        "OptedIn",
        "OptedOut",
        "ResumeSendDate",
        "ORGANIZATION_ID",
        "CRMLeadSource",
        "COLUMNS",
        "CONTACT_LISTS",
    ):
        assert result.find(tag) is not None, tag
    assert result.findtext("RecipientId") == recipient
    assert result.findtext("OptedOut") in ("", None)
    assert result.findtext("CONTACT_LISTS/CONTACT_LIST_ID") == "77"
    names = [node.findtext("NAME") for node in result.findall("COLUMNS/COLUMN")]
    assert "GigyaUid" in names and "EMAIL" not in names
    # M/d/yy h:mm a in GMT: the ManualClock starts at 2023-11-14 22:13:20 UTC
    assert result.findtext("OptedIn") == "11/14/23 10:13 PM"
    by_email = sp_client.ok(
        "SelectRecipientData", f"<LIST_ID>{_master(sp_client)}</LIST_ID><EMAIL>E@example.com</EMAIL>"
    )
    assert by_email.findtext("RecipientId") == recipient
    by_id = sp_client.ok(
        "SelectRecipientData", f"<LIST_ID>{_master(sp_client)}</LIST_ID><RECIPIENT_ID>{recipient}</RECIPIENT_ID>"
    )
    assert by_id.findtext("Email") == "e@example.com"


def test_select_unknown_recipient_is_128(sp_client: XmlClient) -> None:
    errorid, error_class, message = sp_client.fault(
        "SelectRecipientData", f"<LIST_ID>{_master(sp_client)}</LIST_ID>" + columns(GigyaUid="nobody")
    )
    assert (errorid, error_class, message) == (128, "SP.ListManager", "Recipient is not a member of the list.")


def test_update_recipient_by_key_and_by_recipient_id(sp_client: XmlClient) -> None:
    recipient = _add(sp_client, "uid-6", "f@example.com")
    master = _master(sp_client)
    sp_client.ok("UpdateRecipient", f"<LIST_ID>{master}</LIST_ID>" + columns(GigyaUid="uid-6", FirstName="Fay"))
    sp_client.ok(
        "UpdateRecipient",
        f"<LIST_ID>{master}</LIST_ID><RECIPIENT_ID>{recipient}</RECIPIENT_ID>" + columns(LastName="Lee"),
    )
    fields = (sp_client.sandbox.contact(master, GigyaUid="uid-6") or {})["fields"]
    assert (fields["FirstName"], fields["LastName"]) == ("Fay", "Lee")


def test_update_recipient_changes_the_address_of_an_email_keyed_database(sp_client: XmlClient) -> None:
    newsletter = sp_client.sandbox.lists["Newsletter"]
    sp_client.ok("AddRecipient", f"<LIST_ID>{newsletter}</LIST_ID>" + columns(Email="old@example.com"))
    sp_client.ok(
        "UpdateRecipient",
        f"<LIST_ID>{newsletter}</LIST_ID><OLD_EMAIL>old@example.com</OLD_EMAIL>" + columns(EMAIL="new@example.com"),
    )
    assert sp_client.sandbox.contact(newsletter, EMAIL="new@example.com") is not None
    assert sp_client.sandbox.contact(newsletter, EMAIL="old@example.com") is None


def test_update_recipient_tolerates_pysilverpops_sync_fields_shape(sp_client: XmlClient) -> None:
    _add(sp_client, "uid-7", "g@example.com")
    sync = "<SYNC_FIELDS><NAME>EMAIL</NAME><VALUE>g@example.com</VALUE></SYNC_FIELDS>"
    body = f"<LIST_ID>{_master(sp_client)}</LIST_ID>{sync}"
    sp_client.ok("UpdateRecipient", body + columns(FirstName="Gus"))
    assert (sp_client.sandbox.contact(_master(sp_client), GigyaUid="uid-7") or {})["fields"]["FirstName"] == "Gus"


def test_update_missing_recipient(sp_client: XmlClient, silverpop_factory) -> None:  # type: ignore[no-untyped-def]
    body = f"<LIST_ID>{_master(sp_client)}</LIST_ID>" + columns(GigyaUid="ghost", FirstName="Boo")
    assert sp_client.fault("UpdateRecipient", body)[0] == 128
    adding = XmlClient(silverpop_factory(update_missing="add"))
    adding.ok("UpdateRecipient", f"<LIST_ID>{_master(adding)}</LIST_ID>" + columns(GigyaUid="ghost", FirstName="Boo"))
    assert adding.sandbox.contact(_master(adding), GigyaUid="ghost") is not None


def test_remove_recipient(sp_client: XmlClient) -> None:
    _add(sp_client, "uid-8", "h@example.com")
    body = f"<LIST_ID>{_master(sp_client)}</LIST_ID>" + columns(GigyaUid="uid-8")
    sp_client.ok("RemoveRecipient", body)
    assert sp_client.sandbox.contact(_master(sp_client), GigyaUid="uid-8") is None
    assert sp_client.fault("RemoveRecipient", body)[0] == 128


def test_opt_out_by_email_opts_out_every_contact_with_it(sp_client: XmlClient) -> None:
    _add(sp_client, "uid-9", "shared@example.com")
    _add(sp_client, "uid-10", "shared@example.com")
    _add(sp_client, "uid-11", "other@example.com")
    result = sp_client.ok(
        "OptOutRecipient", f"<LIST_ID>{_master(sp_client)}</LIST_ID><EMAIL>shared@example.com</EMAIL>"
    )
    assert result.findtext("RecipientId")
    state = {c["fields"]["GigyaUid"]: c["optedOut"] for c in sp_client.sandbox.contacts(_master(sp_client))}
    assert state["uid-9"] and state["uid-10"] and not state["uid-11"]
    selected = sp_client.ok(
        "SelectRecipientData", f"<LIST_ID>{_master(sp_client)}</LIST_ID>" + columns(GigyaUid="uid-9")
    )
    assert selected.findtext("OptedOut")


def test_updates_do_not_opt_back_in(sp_client: XmlClient) -> None:
    _add(sp_client, "uid-12", "i@example.com")
    master = _master(sp_client)
    sp_client.ok("OptOutRecipient", f"<LIST_ID>{master}</LIST_ID>" + columns(GigyaUid="uid-12"))
    _add(sp_client, "uid-12", "i@example.com", "<UPDATE_IF_FOUND>true</UPDATE_IF_FOUND>", Subscribed="Yes")
    sp_client.ok("UpdateRecipient", f"<LIST_ID>{master}</LIST_ID>" + columns(GigyaUid="uid-12", FirstName="Ivy"))
    assert (sp_client.sandbox.contact(master, GigyaUid="uid-12") or {})["optedOut"] is True


def test_envelope_problems_are_51(sp_client: XmlClient) -> None:
    for xml in (
        "<Envelope><Body>",
        "<Envelope><body><GetLists/></body></Envelope>",
        envelope("GETLISTS"),
        envelope("GetLists") + "trailing",
    ):
        answer = sp_client.call(xml)
        assert answer.status_code == 200 and b"<errorid>51</errorid>" in answer.content, xml


def test_entity_expansion_is_refused(sp_client: XmlClient) -> None:
    doctype = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
    bomb = doctype + "<Envelope><Body><GetLists>&a;</GetLists></Body></Envelope>"
    assert b"<errorid>51</errorid>" in sp_client.call(bomb).content


def test_raw_text_xml_body_is_accepted(sp_client: XmlClient, silverpop: SilverpopSandbox) -> None:
    sp_client.refresh()
    answer = requests.post(
        silverpop.api_url,
        data=envelope("GetLists", "<VISIBILITY>0</VISIBILITY><LIST_TYPE>0</LIST_TYPE>").encode(),
        headers={"Authorization": f"Bearer {sp_client.token}", "Content-Type": "text/xml"},
        timeout=10,
    )
    assert answer.status_code == 200 and b"<SUCCESS>TRUE</SUCCESS>" in answer.content
