"""The XML API's envelopes: requests built with ElementTree, answers parsed with defusedxml.

Requests are built as element trees, never by string formatting, so a value holding ``<``, ``&`` or a quote
(a name, a CDATA end marker) cannot break the envelope. Answers come from the network and are parsed with
defusedxml, which refuses entity expansion and external references. Tag names are case-sensitive
(silverpop.md §3); ``SUCCESS`` is compared case-insensitively because servers write TRUE, true and SUCCESS.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

Element = ET.Element
_TRUE = frozenset({"true", "success", "yes"})


def element(tag: str, value: Any = None, **attributes: str) -> Element:
    node = ET.Element(tag, attributes)
    if value is not None:
        node.text = str(value)
    return node


def sub(parent: Element, tag: str, value: Any = None, **attributes: str) -> Element:
    child = ET.SubElement(parent, tag, attributes)
    if value is not None:
        child.text = str(value)
    return child


def operation(name: str, fields: Mapping[str, Any] | None = None, *children: Element) -> Element:
    """``<name><FIELD>value</FIELD>...children</name>``; a value of ``True`` becomes an empty flag element."""
    node = ET.Element(name)
    for tag, value in (fields or {}).items():
        if value is None or value is False:
            continue
        sub(node, tag, None if value is True else value)
    node.extend(children)
    return node


def pairs(tag: str, first: str, second: str, values: Mapping[str, Any]) -> list[Element]:
    """``<tag><first>key</first><second>value</second></tag>`` per item: COLUMN(NAME, VALUE), MAP_FIELD(...)."""
    nodes = []
    for key, value in values.items():
        node = ET.Element(tag)
        sub(node, first, key)
        sub(node, second, value)
        nodes.append(node)
    return nodes


def envelope(op: Element) -> str:
    root = ET.Element("Envelope")
    ET.SubElement(root, "Body").append(op)
    return ET.tostring(root, encoding="unicode")


def document(root: Element) -> bytes:
    """A whole XML document (map files) in UTF-8 with its declaration."""
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


@dataclass
class Answer:
    """One parsed answer: ``result`` is the RESULT element; ``fault`` is set when SUCCESS is not true."""

    result: Element | None
    fault: tuple[str, int | None, str | None] | None  # (FaultString, errorid, class)

    @property
    def ok(self) -> bool:
        return self.fault is None


class BadAnswer(Exception):
    """The body is not a Silverpop envelope (a proxy's HTML page, a truncated body)."""


def parse_answer(body: bytes) -> Answer:
    try:
        root = fromstring(body)
    except (ET.ParseError, DefusedXmlException, ValueError) as problem:
        raise BadAnswer(f"not XML ({problem})") from None
    result = root.find("Body/RESULT")
    fault = root.find("Body/Fault")
    success = (result.findtext("SUCCESS") or "").strip().lower() if result is not None else ""
    if result is not None and success in _TRUE and fault is None:
        return Answer(result, None)
    if result is None and fault is None:
        raise BadAnswer("the envelope has neither RESULT nor Fault")
    message = (fault.findtext("FaultString") if fault is not None else None) or ""
    errorid_text = fault.findtext("detail/error/errorid") if fault is not None else None
    try:
        errorid = int(errorid_text) if errorid_text and errorid_text.strip() else None
    except ValueError:
        errorid = None
    error_class = (fault.findtext("detail/error/class") if fault is not None else None) or None
    return Answer(result, (message.strip(), errorid, error_class))


def text(parent: Element | None, path: str, default: str = "") -> str:
    if parent is None:
        return default
    found = parent.findtext(path)
    return default if found is None else found.strip()


def parameters(result: Element) -> dict[str, str]:
    """GetJobStatus ``PARAMETERS/PARAMETER(NAME, VALUE)`` as a dict (an empty ``<PARAMETER/>`` is skipped)."""
    found: dict[str, str] = {}
    for node in result.findall("PARAMETERS/PARAMETER"):
        name = text(node, "NAME")
        if name:
            found[name] = text(node, "VALUE")
    return found


def rows_element(rows: Iterable[Mapping[str, str]]) -> Element:
    """InsertUpdateRelationalTable's attribute-style ``ROWS/ROW/COLUMN[@name]`` (silverpop.md §4.3)."""
    node = ET.Element("ROWS")
    for row in rows:
        row_node = ET.SubElement(node, "ROW")
        for name, value in row.items():
            sub(row_node, "COLUMN", value, name=name)
    return node
