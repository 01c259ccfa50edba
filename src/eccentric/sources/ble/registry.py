"""Find drivers: every module in this package that defines ``DRIVER_SPEC``.

Adding a sensor therefore means adding one module (and its firmware note); nothing else
lists the drivers.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from functools import cache
from typing import Any

import eccentric.sources.ble as package
from eccentric.errors import EccentricError
from eccentric.sources.ble.base import Driver, DriverSpec

# Modules that are infrastructure, not drivers (skipped to keep imports light).
_NOT_DRIVERS = {"base", "registry", "timeline", "assemble", "capture", "session", "scan",
                "runner", "devices"}


@cache
def specs() -> dict[str, DriverSpec]:
    """kind → spec, for every driver module in the package."""
    out: dict[str, DriverSpec] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name in _NOT_DRIVERS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        spec = getattr(module, "DRIVER_SPEC", None)
        if isinstance(spec, DriverSpec):
            out[spec.kind] = spec
    return out


def get_spec(kind: str) -> DriverSpec:
    known = specs()
    if kind not in known:
        raise EccentricError(f"unknown device kind {kind!r}; known: {', '.join(sorted(known))}")
    return known[kind]


def create(kind: str, options: Mapping[str, Any]) -> Driver:
    return get_spec(kind).create(options)


def classify(name: str | None, service_uuids: list[str],
             extra: list[DriverSpec] | None = None) -> DriverSpec | None:
    """The driver family an advertisement belongs to (configured generic drivers
    first, since a DIY band may reuse a vendor's UUIDs), or None."""
    for spec in [*(extra or []), *specs().values()]:
        if spec.kind == "generic" and spec.match is None:
            continue  # the generic driver only matches through a configuration file
        if spec.matches(name, service_uuids):
            return spec
    return None
