"""The device registry: one family record per folder, every lookup derived from them."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from eccentric.core.errors import EccentricError
from eccentric.devices import registry
from eccentric.devices.emulation import Peripheral
from eccentric.devices.family import DeviceFamily

DEVICES_DIR = Path(registry.__file__).parent
FOLDERS = sorted(p.parent.name for p in DEVICES_DIR.glob("*/__init__.py"))


def test_every_family_folder_is_registered_once() -> None:
    kinds = [f.kind for f in registry.FAMILIES]
    assert sorted(kinds) == FOLDERS
    for name in FOLDERS:
        family = importlib.import_module(f"eccentric.devices.{name}").FAMILY
        assert isinstance(family, DeviceFamily)
        assert family in registry.FAMILIES and family.kind == name
        assert {"driver.py", "encoder.py", "peripheral.py", "README.md"} <= {
            p.name for p in (DEVICES_DIR / name).iterdir()}


def test_lookups_come_from_the_family_records() -> None:
    assert list(registry.specs()) == [f.kind for f in registry.FAMILIES]
    for f in registry.FAMILIES:
        assert registry.get_spec(f.kind) is f.driver
        assert registry.peripheral_class(f.kind) is f.peripheral
        assert issubclass(f.peripheral, Peripheral)
        for spec in f.sensors:
            assert registry.get_device(spec.key) is spec
    assert set(registry.DEVICES) == {s.key for f in registry.FAMILIES for s in f.sensors}
    with pytest.raises(EccentricError, match="unknown device kind"):
        registry.peripheral_class("nope")


def test_drivers_name_the_simulator_sensors_and_accept_their_rates() -> None:
    known = set(registry.DEVICES) | set(registry.EXCLUDED_DEVICES)
    for f in registry.FAMILIES:
        for spec in f.sensors:
            for rate in spec.rates_hz:
                driver = f.driver.create({"rate": rate})
                assert driver.kind == f.kind and driver.sensor in known


def test_devices_import_no_later_layer() -> None:
    forbidden = ("eccentric.sim", "eccentric.ble", "eccentric.app", "eccentric.mqtt",
                 "eccentric.session")
    for path in DEVICES_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            bad = [n for n in names if n.startswith(forbidden)]
            assert not bad, f"{path.relative_to(DEVICES_DIR)} imports {bad}"
