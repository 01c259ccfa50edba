"""The ``org.bluez`` D-Bus interfaces bleak talks to, as dbus-fast service objects.

Only what bleak (3.x) and bleak-retry-connector use: Adapter1 (Roles with ``central``
or bleak finds no adapter; discovery methods), Device1 (advertising properties,
Connect/Disconnect/Pair, Connected/ServicesResolved changes), GattService1 and
GattCharacteristic1 (ReadValue, WriteValue, StartNotify/StopNotify; a notification is a
PropertiesChanged of ``Value``). Behaviour lives in each family's ``peripheral.py``
(``eccentric.devices.<family>.peripheral``); these classes only translate D-Bus calls.

No ``from __future__ import annotations`` here: dbus-fast reads the D-Bus signatures
from the annotations at class creation.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Protocol

from dbus_fast import Variant
from dbus_fast.annotations import (
    DBusBool,
    DBusBytes,
    DBusDict,
    DBusInt16,
    DBusObjectPath,
    DBusSignature,
    DBusStr,
    DBusUInt16,
)
from dbus_fast.constants import PropertyAccess
from dbus_fast.errors import DBusError
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property

DBusStrList = Annotated[list[str], DBusSignature("as")]
DBusManufacturer = Annotated[dict[int, Variant], DBusSignature("a{qv}")]
READ = PropertyAccess.READ

BLUEZ_FAILED = "org.bluez.Error.Failed"
BLUEZ_NOT_PERMITTED = "org.bluez.Error.NotPermitted"
BLUEZ_NOT_SUPPORTED = "org.bluez.Error.NotSupported"


def failed(message: str) -> DBusError:
    return DBusError(BLUEZ_FAILED, message)


class AdapterHooks(Protocol):
    def start_discovery(self) -> None: ...

    def stop_discovery(self) -> None: ...


class Adapter1(ServiceInterface):
    def __init__(self, hooks: AdapterHooks, address: str = "00:1A:7D:DA:71:01") -> None:
        super().__init__("org.bluez.Adapter1")
        self._hooks = hooks
        self._address = address
        self.discovering = False

    @dbus_property(access=READ)
    def Address(self) -> DBusStr:
        return self._address

    @dbus_property(access=READ)
    def Name(self) -> DBusStr:
        return "eccentric-emulated-hci0"

    @dbus_property(access=READ)
    def Alias(self) -> DBusStr:
        return "eccentric-emulated-hci0"

    @dbus_property(access=READ)
    def Powered(self) -> DBusBool:
        return True

    @dbus_property(access=READ)
    def Discovering(self) -> DBusBool:
        return self.discovering

    @dbus_property(access=READ)
    def Roles(self) -> DBusStrList:
        return ["central", "peripheral"]

    @dbus_property(access=READ)
    def UUIDs(self) -> DBusStrList:
        return []

    @dbus_method()
    def SetDiscoveryFilter(self, properties: DBusDict) -> None:
        return None

    @dbus_method()
    def GetDiscoveryFilters(self) -> DBusStrList:
        return ["UUIDs", "RSSI", "Transport", "DuplicateData"]

    @dbus_method()
    def StartDiscovery(self) -> None:
        self.discovering = True
        self.emit_properties_changed({"Discovering": True})
        # Devices must appear after this call has replied, or bleak misses them.
        asyncio.get_running_loop().call_later(0.05, self._hooks.start_discovery)

    @dbus_method()
    def StopDiscovery(self) -> None:
        self.discovering = False
        self.emit_properties_changed({"Discovering": False})
        self._hooks.stop_discovery()

    @dbus_method()
    def RemoveDevice(self, device: DBusObjectPath) -> None:
        return None


class DeviceHooks(Protocol):
    async def connect(self) -> None: ...

    async def disconnect(self) -> None: ...


class Device1(ServiceInterface):
    def __init__(self, hooks: DeviceHooks, *, adapter: str, address: str, name: str,
                 rssi: int, uuids: list[str]) -> None:
        super().__init__("org.bluez.Device1")
        self._hooks = hooks
        self._adapter = adapter
        self._address = address
        self._name = name
        self.rssi = rssi
        self._uuids = uuids
        self.connected = False
        self.services_resolved = False
        self.paired = False
        self.trusted = False

    def set(self, **changes: Any) -> None:
        """Update state properties and announce them (Connected, ServicesResolved, …)."""
        names = {"connected": "Connected", "services_resolved": "ServicesResolved",
                 "paired": "Paired", "rssi": "RSSI"}
        for key, value in changes.items():
            setattr(self, key, value)
        self.emit_properties_changed({names[k]: v for k, v in changes.items()})

    @dbus_property(access=READ)
    def Address(self) -> DBusStr:
        return self._address

    @dbus_property(access=READ)
    def AddressType(self) -> DBusStr:
        return "public"

    @dbus_property(access=READ)
    def Name(self) -> DBusStr:
        return self._name

    @dbus_property(access=READ)
    def Alias(self) -> DBusStr:
        return self._name

    @dbus_property(access=READ)
    def Adapter(self) -> DBusObjectPath:
        return self._adapter

    @dbus_property(access=READ)
    def Connected(self) -> DBusBool:
        return self.connected

    @dbus_property(access=READ)
    def ServicesResolved(self) -> DBusBool:
        return self.services_resolved

    @dbus_property(access=READ)
    def Paired(self) -> DBusBool:
        return self.paired

    @dbus_property(access=READ)
    def Bonded(self) -> DBusBool:
        return self.paired

    @dbus_property()
    def Trusted(self) -> DBusBool:
        return self.trusted

    @Trusted.setter  # type: ignore[no-redef]
    def Trusted(self, value: DBusBool) -> None:
        self.trusted = value

    @dbus_property(access=READ)
    def Blocked(self) -> DBusBool:
        return False

    @dbus_property(access=READ)
    def LegacyPairing(self) -> DBusBool:
        return False

    @dbus_property(access=READ)
    def RSSI(self) -> DBusInt16:
        return self.rssi

    @dbus_property(access=READ)
    def UUIDs(self) -> DBusStrList:
        return self._uuids

    @dbus_property(access=READ)
    def ManufacturerData(self) -> DBusManufacturer:
        return {}

    @dbus_property(access=READ)
    def ServiceData(self) -> DBusDict:
        return {}

    @dbus_method()
    async def Connect(self) -> None:
        await self._hooks.connect()

    @dbus_method()
    async def Disconnect(self) -> None:
        await self._hooks.disconnect()

    @dbus_method()
    async def Pair(self) -> None:
        self.set(paired=True)

    @dbus_method()
    def CancelPairing(self) -> None:
        return None


class GattService1(ServiceInterface):
    def __init__(self, uuid: str, device_path: str) -> None:
        super().__init__("org.bluez.GattService1")
        self._uuid = uuid
        self._device = device_path

    @dbus_property(access=READ)
    def UUID(self) -> DBusStr:
        return self._uuid

    @dbus_property(access=READ)
    def Device(self) -> DBusObjectPath:
        return self._device

    @dbus_property(access=READ)
    def Primary(self) -> DBusBool:
        return True

    @dbus_property(access=READ)
    def Includes(self) -> Annotated[list[str], DBusSignature("ao")]:
        return []


WriteHook = Callable[[str, bytes], Awaitable[None]]
ReadHook = Callable[[str], bytes]
NotifyHook = Callable[[str, bool], None]


class GattCharacteristic1(ServiceInterface):
    def __init__(self, uuid: str, service_path: str, flags: list[str], mtu: int, *,
                 on_write: WriteHook, on_read: ReadHook, on_notify: NotifyHook) -> None:
        super().__init__("org.bluez.GattCharacteristic1")
        self.uuid = uuid
        self._service = service_path
        self._flags = flags
        self._mtu = mtu
        self._on_write = on_write
        self._on_read = on_read
        self._on_notify = on_notify
        self.value = b""
        self.notifying = False

    def notify(self, data: bytes) -> None:
        """Send a notification (or indication): a PropertiesChanged of Value."""
        self.value = data
        self.emit_properties_changed({"Value": data})

    @dbus_property(access=READ)
    def UUID(self) -> DBusStr:
        return self.uuid

    @dbus_property(access=READ)
    def Service(self) -> DBusObjectPath:
        return self._service

    @dbus_property(access=READ)
    def Value(self) -> DBusBytes:
        return self.value

    @dbus_property(access=READ)
    def Notifying(self) -> DBusBool:
        return self.notifying

    @dbus_property(access=READ)
    def Flags(self) -> DBusStrList:
        return self._flags

    @dbus_property(access=READ)
    def MTU(self) -> DBusUInt16:
        return self._mtu

    @dbus_method()
    def ReadValue(self, options: DBusDict) -> DBusBytes:
        if "read" not in self._flags:
            raise DBusError(BLUEZ_NOT_PERMITTED, "Read not permitted")
        return self._on_read(self.uuid)

    @dbus_method()
    async def WriteValue(self, value: DBusBytes, options: DBusDict) -> None:
        if not {"write", "write-without-response"} & set(self._flags):
            raise DBusError(BLUEZ_NOT_PERMITTED, "Write not permitted")
        await self._on_write(self.uuid, bytes(value))

    @dbus_method()
    def StartNotify(self) -> None:
        if not {"notify", "indicate"} & set(self._flags):
            raise DBusError(BLUEZ_NOT_SUPPORTED, "Notify not supported")
        if not self.notifying:
            self.notifying = True
            self.emit_properties_changed({"Notifying": True})
            self._on_notify(self.uuid, True)

    @dbus_method()
    def StopNotify(self) -> None:
        if self.notifying:
            self.notifying = False
            self.emit_properties_changed({"Notifying": False})
            self._on_notify(self.uuid, False)
