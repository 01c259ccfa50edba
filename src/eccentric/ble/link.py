"""One BLE device link with bleak: connect, subscribe, configure, start, stream; on a
dropped link reconnect with backoff and restart the stream; on stop, stop the device.

The notification callback only enqueues ``(host time, characteristic, bytes)``; decoding,
capture and the pipeline run in a consumer task (``runner.py``). While a command waits
for its answer, control notifications are also copied to a small inbox the waiting
coroutine reads. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bleak import BleakClient, BleakScanner
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError
from bleak_retry_connector import (
    BleakClientWithServiceCache,
    BleakNotFoundError,
    establish_connection,
)

from eccentric.devices.base import (
    BATTERY_LEVEL,
    DeviceError,
    Driver,
    GattOp,
    GattRead,
    GattWrite,
    Reply,
)

log = logging.getLogger(__name__)

EVENT_STREAM_START = "stream_start"
EVENT_DISCONNECTED = "disconnected"
MAX_RECOVERY_DEPTH = 3  # nested stop-then-start recoveries allowed per command
LINK_ERRORS = (BleakError, DeviceError, TimeoutError, OSError, EOFError)
BATTERY_EVERY_S = 60.0


class HostClock:
    """Monotonic seconds since the session began, rounded to 1 µs (as captured)."""

    def __init__(self) -> None:
        self._t0 = time.monotonic()

    @property
    def monotonic_t0(self) -> float:
        """``time.monotonic()`` at 0: lines captures up with other processes' logs."""
        return self._t0

    def now(self) -> float:
        return round(time.monotonic() - self._t0, 6)


@dataclass(frozen=True, slots=True)
class Item:
    """A notification (``char`` set) or a link event (``event`` set)."""

    host_t_s: float
    char: str | None = None
    data: bytes = b""
    event: str | None = None


@dataclass
class LinkStatus:
    state: str = "idle"  # connecting | streaming | reconnecting | stopping | stopped
    connects: int = 0
    disconnects: int = 0
    last_error: str = ""
    mtu: int | None = None
    battery_pct: int | None = None


@dataclass(frozen=True)
class LinkOptions:
    """Timeouts in seconds. ``connect_attempts`` is per connection round (the retry
    connector's own backoff); between rounds the link backs off up to ``backoff_max_s``."""

    pair: bool = False
    reply_timeout_s: float = 5.0
    first_data_timeout_s: float = 10.0
    connect_attempts: int = 3
    backoff_min_s: float = 0.5
    backoff_max_s: float = 8.0
    rescan_timeout_s: float = 5.0
    stop_timeout_s: float = 3.0


class DeviceLink:
    """Runs one device until ``stop`` is set. The first connection failing is an error
    (raised); later failures are retried with exponential backoff."""

    def __init__(self, device: BLEDevice, driver: Driver, queue: asyncio.Queue[Item],
                 clock: HostClock, *, label: str, options: LinkOptions | None = None,
                 on_state: Callable[[LinkStatus], None] | None = None) -> None:
        self.device = device
        self.driver = driver
        self.queue = queue
        self.clock = clock
        self.label = label
        self.opts = options or LinkOptions()
        self.status = LinkStatus()
        self._on_state = on_state
        self._inbox: asyncio.Queue[Item] = asyncio.Queue()
        self._awaiting = False
        self._started = False  # data notifications expected from now on
        self._data_seen = asyncio.Event()
        self._disconnected = asyncio.Event()
        self._streamed_once = False

    # --- state ----------------------------------------------------------------------

    def _set_state(self, state: str, error: str | None = None) -> None:
        self.status.state = state
        if error is not None:
            self.status.last_error = error
        if self._on_state is not None:
            self._on_state(self.status)

    def _event(self, name: str) -> None:
        self.queue.put_nowait(Item(self.clock.now(), event=name))

    def _callback(self, char: str) -> Callable[[BleakGATTCharacteristic, bytearray], None]:
        def on_notify(_: BleakGATTCharacteristic, data: bytearray) -> None:
            item = Item(self.clock.now(), char, bytes(data))
            self.queue.put_nowait(item)
            if self._awaiting:
                self._inbox.put_nowait(item)
            elif self._started:
                self._data_seen.set()
        return on_notify

    def _on_disconnect(self, _: BleakClient) -> None:
        if not self._disconnected.is_set():
            self._disconnected.set()
            self._event(EVENT_DISCONNECTED)

    # --- main loop --------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        backoff = self.opts.backoff_min_s
        while not stop.is_set():
            try:
                await self._one_connection(stop)
                backoff = self.opts.backoff_min_s
            except LINK_ERRORS as exc:
                message = f"{self.label}: {exc or type(exc).__name__}"
                if not self._streamed_once:
                    self._set_state("stopped", message)
                    raise DeviceError(message) from exc
                log.warning("%s; retrying in %.1f s", message, backoff)
                self.status.last_error = message
            if stop.is_set():
                break
            self.status.disconnects += 1
            self._set_state("reconnecting")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), backoff)
            backoff = min(2 * backoff, self.opts.backoff_max_s)
        self._set_state("stopped")

    async def _connect(self) -> BleakClientWithServiceCache:
        try:
            return await establish_connection(
                BleakClientWithServiceCache, self.device, self.label,
                disconnected_callback=self._on_disconnect,
                max_attempts=self.opts.connect_attempts, pair=self.opts.pair)
        except BleakNotFoundError:
            # The adapter forgot the device while it was away: look for it again.
            found = await BleakScanner.find_device_by_address(
                self.device.address, timeout=self.opts.rescan_timeout_s)
            if found is None:
                raise
            self.device = found
            return await establish_connection(
                BleakClientWithServiceCache, self.device, self.label,
                disconnected_callback=self._on_disconnect,
                max_attempts=self.opts.connect_attempts, pair=self.opts.pair)

    async def _one_connection(self, stop: asyncio.Event) -> None:
        self._set_state("connecting")
        self._disconnected.clear()
        self._started = False
        # Connecting (with the connector's retries) can take a while: Ctrl-C wins.
        connecting = asyncio.ensure_future(self._connect())
        await _first(asyncio.shield(connecting), stop.wait())
        if not connecting.done():
            connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError, *LINK_ERRORS):
                await connecting
            return
        client = connecting.result()
        try:
            await self._start_stream(client, stop)
            self.status.connects += 1
            self._streamed_once = True
            await self._read_battery(client)
            self._set_state("streaming")
            while not await _first(stop.wait(), self._disconnected.wait(),
                                   timeout=BATTERY_EVERY_S):
                await self._read_battery(client)
            if stop.is_set() and client.is_connected:
                self._set_state("stopping")
                await self._stop_device(client)
        finally:
            self._started = False
            if client.is_connected:
                with contextlib.suppress(*LINK_ERRORS):
                    await asyncio.wait_for(client.disconnect(), self.opts.stop_timeout_s)

    async def _start_stream(self, client: BleakClient, stop: asyncio.Event) -> None:
        self._check_mtu(client)
        for char in self.driver.notify_chars:
            await asyncio.wait_for(client.start_notify(char, self._callback(char)),
                                   self.opts.reply_timeout_s)
        await self._run_ops(client, self.driver.configure())
        self._event(EVENT_STREAM_START)  # a marker in the capture and the JSON output
        self._data_seen.clear()
        await self._run_ops(client, self.driver.start())
        self._started = True
        waited = await _first(self._data_seen.wait(), self._disconnected.wait(), stop.wait(),
                              timeout=self.opts.first_data_timeout_s)
        if not waited:
            raise DeviceError(f"started, but no data arrived within "
                              f"{self.opts.first_data_timeout_s:g} s")
        if self._disconnected.is_set():
            raise DeviceError("disconnected while starting the stream")

    async def _read_battery(self, client: BleakClient) -> None:
        """The standard Battery Level characteristic, when the device has one."""
        if client.services.get_characteristic(BATTERY_LEVEL) is None:
            return
        try:
            data = await asyncio.wait_for(client.read_gatt_char(BATTERY_LEVEL),
                                          self.opts.reply_timeout_s)
        except LINK_ERRORS as exc:
            log.info("%s: battery level not read: %s", self.label, exc)
            return
        if len(data) >= 1 and data[0] <= 100:
            self.status.battery_pct = int(data[0])

    def _check_mtu(self, client: BleakClient) -> None:
        char = client.services.get_characteristic(self.driver.notify_chars[-1])
        if char is None:
            raise DeviceError(f"the device has no characteristic {self.driver.notify_chars[-1]}"
                              f" (is it a {self.driver.kind} device?)")
        mtu = char.max_write_without_response_size + 3
        self.status.mtu = mtu
        if mtu < self.driver.min_mtu:
            log.warning("%s: link MTU %d is below the %d this device needs; the device may "
                        "refuse to stream", self.label, mtu, self.driver.min_mtu)

    async def _run_ops(self, client: BleakClient, ops: list[GattOp], depth: int = 0) -> None:
        for op in ops:
            if isinstance(op, GattRead):
                data = await asyncio.wait_for(client.read_gatt_char(op.char),
                                              self.opts.reply_timeout_s)
                self.driver.on_read(op, bytes(data))
            else:
                await self._write(client, op, depth)

    async def _write(self, client: BleakClient, op: GattWrite, depth: int) -> None:
        if op.awaits_reply:
            while not self._inbox.empty():
                self._inbox.get_nowait()
            self._awaiting = True
        try:
            await asyncio.wait_for(client.write_gatt_char(op.char, op.data, response=op.response),
                                   self.opts.reply_timeout_s)
            if not op.awaits_reply:
                return
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.opts.reply_timeout_s
            while True:
                remaining = deadline - loop.time()
                try:
                    item = await asyncio.wait_for(self._inbox.get(), max(remaining, 0.0))
                except TimeoutError:
                    raise DeviceError(f"no answer to '{op.what or op.data.hex(' ')}' within "
                                      f"{self.opts.reply_timeout_s:g} s") from None
                outcome = self.driver.on_reply(op, item.data)
                if outcome is Reply.DONE:
                    return
                if isinstance(outcome, list):
                    if depth >= MAX_RECOVERY_DEPTH:
                        raise DeviceError(f"'{op.what}' keeps failing")
                    self._awaiting = False
                    await self._run_ops(client, outcome, depth + 1)
                    return
        finally:
            self._awaiting = False

    async def _stop_device(self, client: BleakClient) -> None:
        """Stop streaming on the device (best effort, bounded), then unsubscribe."""
        try:
            await asyncio.wait_for(self._run_ops(client, self.driver.stop()),
                                   self.opts.stop_timeout_s * 2)
        except LINK_ERRORS as exc:
            log.warning("%s: stopping the stream: %s", self.label, exc)
        for char in self.driver.notify_chars:
            with contextlib.suppress(*LINK_ERRORS):
                await asyncio.wait_for(client.stop_notify(char), self.opts.stop_timeout_s)


async def _first(*aws: object, timeout: float | None = None) -> bool:
    """Wait until any awaitable finishes (cancelling the rest); False on timeout."""
    tasks = [asyncio.ensure_future(a) for a in aws]  # type: ignore[call-overload]
    try:
        done, _ = await asyncio.wait(tasks, timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        return bool(done)
    finally:
        for t in tasks:
            t.cancel()
