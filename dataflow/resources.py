"""Where the schemas and sample flows are, whether the package runs from a checkout or was installed.

The design card keeps ``schemas/`` and ``flows/`` at the top of the repository; the wheel copies them into
``dataflow/_resources/`` so that a non-editable install carries them too.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def resource_dir(name: str) -> Path:
    """The directory ``schemas`` or ``flows``: installed copy first, then the checkout's top level."""
    installed = _PACKAGE_DIR / "_resources" / name
    if installed.is_dir():
        return installed
    checkout = _PACKAGE_DIR.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"cannot find the '{name}' directory (looked in {installed} and {checkout})")


def schemas_dir() -> Path:
    return resource_dir("schemas")


def flows_dir() -> Path:
    return resource_dir("flows")
