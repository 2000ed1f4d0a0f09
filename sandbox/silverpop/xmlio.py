"""Reading request envelopes and writing Silverpop's response envelopes.

Requests are parsed with defusedxml because the body comes from the network; responses are built with the
standard ElementTree (output only). Silverpop clients are picky in small ways that this module centralises:
tag names are case-sensitive, flags may be empty elements (``<UPDATE_IF_FOUND/>``), ``SUCCESS`` must be exactly
``TRUE``/``false``, and ``RESULT`` comes before ``Fault``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from sandbox.silverpop.errors import ApiFault, invalid, missing

Element = ET.Element

_TRUE = {"true", "yes", "y", "1", "t", "on"}
_FALSE = {"false", "no", "n", "0", "f", "off"}


def parse_xml(data: bytes | str) -> Element:
    """Parse untrusted XML; any parse problem or entity trick is a 51 fault."""
    try:
        return fromstring(data)
    except (ET.ParseError, DefusedXmlException, ValueError) as problem:
        raise invalid(f"Invalid XML Request: {problem}") from None


def operation(data: bytes | str) -> Element:
    """The single operation element inside ``<Envelope><Body>``."""
    root = parse_xml(data)
    body = root.find("Body") if root.tag == "Envelope" else None
    if body is None:
        raise invalid()
    children = list(body)
    if len(children) != 1:
        raise invalid("Invalid XML Request: exactly one operation per Body is supported")
    return children[0]


def text(parent: Element, tag: str, default: str | None = None) -> str | None:
    """The stripped text of the first child ``tag`` (CDATA arrives as plain text), or ``default``."""
    child = parent.find(tag)
    if child is None:
        return default
    return (child.text or "").strip()


def required(parent: Element, tag: str) -> str:
    value = text(parent, tag)
    if not value:
        raise missing(tag)
    return value


def flag(parent: Element, tag: str, default: bool = False) -> bool:
    """A boolean element: absent -> ``default``; empty (``<X/>``) -> true; true/false/yes/no/1/0."""
    child = parent.find(tag)
    if child is None:
        return default
    value = (child.text or "").strip().lower()
    if not value or value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise invalid(f"Invalid XML Request: {tag} must be true or false")


def integer(parent: Element, tag: str, default: int | None = None) -> int | None:
    value = text(parent, tag)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise invalid(f"Invalid XML Request: {tag} must be a number") from None


def name_values(parent: Element, tag: str = "COLUMN") -> list[tuple[str, str]]:
    """``<COLUMN><NAME>n</NAME><VALUE>v</VALUE></COLUMN>*`` as ordered pairs."""
    pairs = []
    for child in parent.findall(tag):
        name = text(child, "NAME")
        if not name:
            raise invalid(f"Invalid XML Request: {tag} without NAME")
        pairs.append((name, text(child, "VALUE", "") or ""))
    return pairs


def sync_fields(parent: Element) -> list[tuple[str, str]]:
    """SYNC_FIELDS in both shapes: ``SYNC_FIELDS/SYNC_FIELD(NAME,VALUE)*`` and pysilverpop's repeated
    ``SYNC_FIELDS(NAME,VALUE)`` (silverpop.md §7 quirk)."""
    pairs: list[tuple[str, str]] = []
    for block in parent.findall("SYNC_FIELDS"):
        if block.find("SYNC_FIELD") is not None:
            pairs.extend(name_values(block, "SYNC_FIELD"))
        elif block.find("NAME") is not None:
            pairs.append((text(block, "NAME") or "", text(block, "VALUE", "") or ""))
    return pairs


def texts(parent: Element, path: str) -> list[str]:
    return [(child.text or "").strip() for child in parent.findall(path)]


def sub(parent: Element, tag: str, value: object = None, **attributes: str) -> Element:
    """Append ``<tag>value</tag>``; ``None`` gives an empty element."""
    child = ET.SubElement(parent, tag, attributes)
    if value is not None:
        child.text = str(value)
    return child


def _envelope() -> tuple[Element, Element]:
    envelope = ET.Element("Envelope")
    return envelope, ET.SubElement(envelope, "Body")


def success(children: Iterable[Element] = ()) -> bytes:
    envelope, body = _envelope()
    result = ET.SubElement(body, "RESULT")
    sub(result, "SUCCESS", "TRUE")
    result.extend(children)
    return ET.tostring(envelope, encoding="unicode").encode("utf-8")


def fault(problem: ApiFault, request: str = "") -> bytes:
    envelope, body = _envelope()
    sub(ET.SubElement(body, "RESULT"), "SUCCESS", "false")
    node = ET.SubElement(body, "Fault")
    sub(node, "Request", request or None)
    sub(node, "FaultCode")
    sub(node, "FaultString", problem.message)
    error = ET.SubElement(ET.SubElement(node, "detail"), "error")
    sub(error, "errorid", problem.errorid)
    sub(error, "module")
    sub(error, "class", problem.error_class)
    sub(error, "method")
    return ET.tostring(envelope, encoding="unicode").encode("utf-8")


def element(tag: str, value: object = None) -> Element:
    node = ET.Element(tag)
    if value is not None:
        node.text = str(value)
    return node
