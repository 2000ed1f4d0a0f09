"""Every component this package provides, by IdentitySync type, gathered from the families.

The package declares this mapping as one entry point; each family keeps its own ``COMPONENTS`` so that
families grow independently. Values are ``module:Class`` strings: nothing is imported until a flow needs it.
"""

from __future__ import annotations

from importlib import import_module

FAMILIES = (
    "steps.field",
    "steps.file",
    "steps.storage",
    "steps.record",
    "steps.gigya",
    "steps.silverpop",
    "steps.mailchimp",
    "steps.marketo",
    "steps.campaignmonitor",
    "steps.constantcontact",
    "steps.salesforce",
    "steps.bluekai",
)


def _gather() -> dict[str, str]:
    merged: dict[str, str] = {}
    for family in FAMILIES:
        for type_name, target in import_module(family).COMPONENTS.items():
            if type_name in merged:
                raise RuntimeError(f"component type {type_name} is declared twice ({merged[type_name]}, {target})")
            merged[type_name] = target
    return merged


COMPONENTS = _gather()
