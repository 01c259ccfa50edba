"""One live device end to end: link → queue → capture + decode → pipeline → sinks.

The consumer handles each queued item in order: it appends it to the raw capture
(flushed at once), decodes it, batches the samples (``ChunkBatcher``: a rule that only
looks at the data, so a capture replay cuts the same chunks) and runs the pipeline.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bleak.backends.device import BLEDevice

from eccentric.ble.assemble import Assembler, ChunkBatcher
from eccentric.ble.capture import CaptureWriter
from eccentric.ble.link import (
    DeviceLink,
    HostClock,
    Item,
    LinkOptions,
    LinkStatus,
)
from eccentric.core.chunk import ImuChunk
from eccentric.core.events import Event, ble_event
from eccentric.devices.base import Driver
from eccentric.session.drive import Drive
from eccentric.session.pipeline import PipelineConfig, make_pipeline
from eccentric.session.sink import Sink

if TYPE_CHECKING:
    from eccentric.mqtt.sink import MqttSink

log = logging.getLogger(__name__)

STATUS_EVERY_S = 1.0


@dataclass
class Latency:
    """Delays in seconds, summarised as n, median, 99th percentile and max."""

    samples: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float | int]:
        if not self.samples:
            return {"n": 0}
        s = sorted(self.samples)
        return {"n": len(s), "median_s": round(s[len(s) // 2], 4),
                "p99_s": round(s[min(len(s) - 1, int(0.99 * len(s)))], 4),
                "max_s": round(s[-1], 4)}


class DeviceRunner:
    """Owns one device's link, consumer task, capture, pipeline session and sinks."""

    def __init__(self, *, device: BLEDevice, driver: Driver, label: str, clock: HostClock,
                 capture: CaptureWriter, pipeline_config: PipelineConfig, sinks: list[Sink],
                 mqtt: MqttSink | None = None, link_options: LinkOptions | None = None,
                 on_event: Callable[[Event], None] | None = None,
                 rest_target_s: float | None = None) -> None:
        self.label = label
        self.driver = driver
        self.clock = clock
        self.capture = capture
        self.mqtt = mqtt
        self.on_event = on_event
        self.queue: asyncio.Queue[Item] = asyncio.Queue()
        self.assembler = Assembler(driver)
        self.batcher = ChunkBatcher()
        # "ble" link events go to the hook only: sinks carry the pipeline's events.
        commands = None
        if mqtt is not None:
            from eccentric.mqtt.intake import SinkCommands

            commands = SinkCommands(mqtt)  # coach commands, applied between chunks
        self.drive = Drive(make_pipeline(pipeline_config, rest_target_s), sinks, on_event=on_event,
                           commands=commands)
        self.latency = Latency()  # notification arrival → the rep event it completed
        self.lag = Latency()  # notification arrival → handled by the consumer
        self.link = DeviceLink(device, driver, self.queue, clock, label=label,
                               options=link_options, on_state=self._on_state)
        self.max_queue = 0
        self._last_status = 0.0
        self._samples_at_status = 0
        self._status_t = time.monotonic()
        self._finished = False

    # --- running ----------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        consumer = asyncio.create_task(self._consume())
        try:
            await self.link.run(stop)
        finally:
            self.queue.put_nowait(Item(self.clock.now(), event="end"))
            await consumer
            self.finish()

    async def _consume(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while not self.queue.empty():
                batch.append(self.queue.get_nowait())
            self.max_queue = max(self.max_queue, len(batch))
            for item in batch:
                if item.event == "end":
                    return
                self.handle(item)
                self.lag.samples.append(self.clock.now() - item.host_t_s)
            self.capture.flush()
            if time.monotonic() - self._last_status >= STATUS_EVERY_S:
                self._publish_status()

    def handle(self, item: Item) -> None:
        if item.event is not None:
            self.capture.event(item.event, item.host_t_s)
            self._flush(item.host_t_s)
            self.assembler.link_event(item.event)
            if self.on_event is not None:
                self.on_event(ble_event(item.event, self.label, item.host_t_s))
            return
        assert item.char is not None
        self.capture.notification(item.char, item.data, item.host_t_s)
        chunk = self.assembler.notification(item.char, item.data, item.host_t_s)
        if chunk is not None:
            for c in self.batcher.add(chunk):
                self._process(c, item.host_t_s)

    def _flush(self, host_t_s: float) -> None:
        for c in self.batcher.flush():
            self._process(c, host_t_s)

    def _process(self, chunk: ImuChunk, host_t_s: float) -> None:
        for ev in self.drive.feed(chunk):
            if ev.get("type") == "rep":
                self.latency.samples.append(self.clock.now() - host_t_s)
        if self.mqtt is not None:
            self.mqtt.publish_imu(chunk)

    def finish(self) -> None:
        """Flush samples, close the pipeline and the capture (idempotent)."""
        if self._finished:
            return
        self._finished = True
        self._flush(self.clock.now())
        self.drive.finish()
        self.capture.close()
        self._publish_status()

    # --- status -----------------------------------------------------------------------

    def _on_state(self, status: LinkStatus) -> None:
        log.info("%s: %s", self.label, status.state)
        self._publish_status()

    def status_fields(self) -> dict[str, Any]:
        tl = self.assembler.timeline_stats()
        now = time.monotonic()
        rate = (tl.samples - self._samples_at_status) / max(now - self._status_t, 1e-6)
        self._samples_at_status, self._status_t = tl.samples, now
        dec = self.driver.stats
        return {"sensor_connected": self.link.status.state == "streaming",
                "sample_rate_hz": round(rate, 1), "packet_loss_pct": round(tl.loss_pct, 2),
                "ble_state": self.link.status.state, "ble_reconnects":
                    max(self.link.status.connects - 1, 0),
                "ble_gaps": tl.gaps, "ble_duplicates": tl.duplicates,
                "ble_malformed_packets": dec.malformed, "clock_drift_ppm": tl.drift_ppm,
                "battery_pct": self.link.status.battery_pct}

    def report(self) -> dict[str, Any]:
        """Streaming statistics of this device (for ``live --stats-json``)."""
        tl = self.assembler.timeline_stats()
        return {"device": self.label, "sensor": self.driver.sensor,
                "decode": self.driver.stats.as_dict(),
                "timeline": {"samples": tl.samples, "missing": tl.missing, "gaps": tl.gaps,
                             "duplicates": tl.duplicates, "loss_pct": round(tl.loss_pct, 3),
                             "drift_ppm": tl.drift_ppm},
                "link": {"state": self.link.status.state, "connects": self.link.status.connects,
                         "mtu": self.link.status.mtu, "last_error": self.link.status.last_error},
                "queue_max": self.max_queue, "handling_lag": self.lag.summary(),
                "rep_latency": self.latency.summary()}

    def _publish_status(self) -> None:
        self._last_status = time.monotonic()
        if self.mqtt is None:
            return
        f = self.status_fields()
        self.mqtt.set_status(sensor_connected=f.pop("sensor_connected"),
                             sample_rate_hz=f.pop("sample_rate_hz"),
                             packet_loss_pct=f.pop("packet_loss_pct"),
                             battery_pct=f.pop("battery_pct"), **f)


def default_capture_path(directory: Path, athlete: str, label: str, stamp: str) -> Path:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in f"{athlete}-{label}")
    return directory / f"{safe}-{stamp}.jsonl"
