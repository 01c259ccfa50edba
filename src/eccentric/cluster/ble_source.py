"""A gateway's BLE source: one device's link -> decoded, batched chunks -> the spool.

The same link, decoding and batching as ``live`` (ble/link.py, ble/assemble.py), with
the gateway's spool where ``live`` has its pipeline: detection runs on the workers.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from eccentric.ble.assemble import Assembler, ChunkBatcher
from eccentric.ble.link import DeviceLink, HostClock, Item, LinkOptions
from eccentric.cluster.gateway import AthleteStream, Gateway
from eccentric.devices.base import Driver

log = logging.getLogger(__name__)


class BleSource:
    """Streams one BLE device into ``gateway`` as ``stream`` until ``stop``."""

    def __init__(self, *, device: Any, driver: Driver, label: str, clock: HostClock,
                 gateway: Gateway, stream: AthleteStream,
                 link_options: LinkOptions | None = None) -> None:
        self.label = label
        self.clock = clock
        self.gateway = gateway
        self.stream = stream
        self.queue: asyncio.Queue[Item] = asyncio.Queue()
        self.assembler = Assembler(driver)
        self.batcher = ChunkBatcher()
        self.link = DeviceLink(device, driver, self.queue, clock, label=label,
                               options=link_options)

    async def run(self, stop: asyncio.Event) -> None:
        self.gateway.start_stream(self.stream)
        consumer = asyncio.create_task(self._consume())
        try:
            await self.link.run(stop)
        finally:
            self.queue.put_nowait(Item(self.clock.now(), event="end"))
            await consumer
            self.gateway.end_stream(self.stream)
            self.gateway.spool.commit()

    async def _consume(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while not self.queue.empty():
                batch.append(self.queue.get_nowait())
            for item in batch:
                if item.event == "end":
                    self._spool(self.batcher.flush())
                    return
                if item.event is not None:
                    # A link event (reconnect): samples before it leave now, and the
                    # assembler restarts its timeline, so the next chunk's gap is flagged.
                    self._spool(self.batcher.flush())
                    self.assembler.link_event(item.event)
                    continue
                assert item.char is not None
                chunk = self.assembler.notification(item.char, item.data, item.host_t_s)
                if chunk is not None:
                    self._spool(self.batcher.add(chunk))
            self.gateway.spool.commit()

    def _spool(self, chunks: Any) -> None:
        for c in chunks:
            if len(c):
                self.gateway.add_chunk(self.stream, c)
