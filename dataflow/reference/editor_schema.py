"""The dataflow JSON Schema for editors (``dataflow schema``): one self-contained file in which each step's
``params`` is checked against its component's params schema, chosen by the step's ``type``.

Draft-07, not the 2020-12 the engine validates with: VS Code's JSON language service and the YAML extension
(yaml-language-server) are built for draft-07 and warn that later drafts are not fully supported. The params
schemas use no keyword draft-07 lacks, and the build checks the result against the draft-07 meta-schema.

- ``type`` is an enum of the registered components, with each component's description for hover and completion;
  ``if type == T then params: <T's params schema>`` per component (if/then gives errors inside ``params``, where
  oneOf would only say that no alternative matched).
- A ``{{name}}`` template variable is accepted wherever a value goes (it is filled before validation, and a
  whole-value variable takes the value's type), so flows such as flows/silverpop/*.json check cleanly unfilled.
- In draft-07 keywords beside a ``$ref`` are ignored, so such a ``$ref`` moves into ``allOf`` to keep the
  description next to it.
- ``format: regex`` is left out: flows hold Java regexes (``\\Q...\\E``, possessive quantifiers), which an editor
  checking ECMAScript syntax would flag wrongly; ``dataflow validate`` checks them as Java.
"""

from __future__ import annotations

import copy
from typing import Any

from jsonschema import Draft7Validator

from dataflow import jsonio
from dataflow.registry import Registry
from dataflow.resources import schemas_dir
from dataflow.variables import VARIABLE

DRAFT_07 = "http://json-schema.org/draft-07/schema#"
_VARIABLE_REF = {"$ref": "#/definitions/templateVariable"}
_SAMPLE_VARIABLE = "{{name}}"
_ANNOTATIONS = ("title", "description", "default", "examples", "writeOnly", "readOnly", "deprecated")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SUBSCHEMAS = ("items", "additionalProperties", "then", "else", "contains")  # not "not", "if": they would flip


def editor_schema(registry: Registry) -> dict[str, Any]:
    schema = {"$schema": DRAFT_07, **draft7(jsonio.loads((schemas_dir() / "dataflow.schema.json").read_bytes()))}
    definitions = schema.setdefault("definitions", {})
    definitions["templateVariable"] = {
        "type": "string",
        "pattern": "^" + VARIABLE.pattern + "$",
        "description": "A template variable, filled from --param NAME=VALUE or --config FILE before validation.",
    }
    step = definitions["step"]
    types = registry.types()
    infos = [registry.get(name) for name in types]
    step["properties"]["type"] = {
        "description": step["properties"]["type"].get("description", ""),
        "enum": types,
        "enumDescriptions": [info.description for info in infos],
    }
    conditions = []
    for info in infos:
        params = tolerate_variables(draft7(info.schema), root=True)
        params.setdefault("description", info.description)
        definitions[f"params.{info.type}"] = params
        then: dict[str, Any] = {"properties": {"params": {"$ref": f"#/definitions/params.{info.type}"}}}
        if info.schema.get("required"):
            then["required"] = ["params"]
        conditions.append({"if": {"properties": {"type": {"const": info.type}}, "required": ["type"]}, "then": then})
    step["allOf"] = conditions
    Draft7Validator.check_schema(schema)
    return schema


def draft7(schema: dict[str, Any]) -> dict[str, Any]:
    """A draft-07 copy of a 2020-12 schema: ``$defs`` → ``definitions``, ``$ref`` alone in its object."""
    converted = _convert(copy.deepcopy(schema))
    for key in ("$schema", "$id"):
        converted.pop(key, None)
    return converted


def _convert(node: Any) -> Any:
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _convert(value) for key, value in node.items()}
    if node.get("format") == "regex":
        del node["format"]
    if "$defs" in node:
        node["definitions"] = node.pop("$defs")
    if isinstance(node.get("$ref"), str):
        node["$ref"] = node["$ref"].replace("#/$defs/", "#/definitions/")
        if len(node) > 1:
            node["allOf"] = [*node.get("allOf", []), {"$ref": node.pop("$ref")}]
    return node


def tolerate_variables(schema: dict[str, Any], root: bool = False) -> dict[str, Any]:
    """``schema`` with every value that would reject ``{{name}}`` also accepting a template variable."""
    node = dict(schema)
    if isinstance(node.get("properties"), dict):
        node["properties"] = {name: _tolerated(spec) for name, spec in node["properties"].items()}
    for key in _SUBSCHEMAS:
        if isinstance(node.get(key), dict):
            node[key] = _tolerated(node[key])
    for key in _SUBSCHEMA_LISTS:
        if isinstance(node.get(key), list):
            node[key] = [_tolerated(item) if isinstance(item, dict) else item for item in node[key]]
    if root or Draft7Validator(node).is_valid(_SAMPLE_VARIABLE):
        return node
    annotations = {key: node.pop(key) for key in _ANNOTATIONS if key in node}
    return {**annotations, "anyOf": [node, _VARIABLE_REF]}


def _tolerated(spec: Any) -> Any:
    return tolerate_variables(spec) if isinstance(spec, dict) else spec
