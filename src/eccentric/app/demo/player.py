"""One thread per demo athlete: replays its playlist through a live pipeline into its
MQTT sink, paced by wall-clock time, looping, and stoppable at any moment."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from eccentric.app.inputs import FAST_CHUNK_S, open_source, session_id_for
from eccentric.core.events import Event, run_session_id
from eccentric.mqtt.topics import sanitize_segment
from eccentric.session.alerts import DEFAULT_DROP_SHARE
from eccentric.session.drive import CommandIntake, Drive, run_stream
from eccentric.session.pipeline import Pipeline, PipelineConfig
from eccentric.session.plan import SessionPlan
from eccentric.session.sink import Sink

if TYPE_CHECKING:
    from eccentric.app.demo.roster import DemoAthlete
    from eccentric.history.sink import HistorySink
    from eccentric.mqtt.sink import MqttSink

log = logging.getLogger(__name__)
EventHook = Callable[[str, Event], None]


class AthletePlayer(threading.Thread):
    """``speed`` is a factor of real time (None: as fast as possible); ``loops`` 0
    repeats forever. ``stop`` ends playback within one chunk (≤ 1 s of stream)."""

    def __init__(self, athlete: DemoAthlete, paths: list[Path], sink: MqttSink, *,
                 stop: threading.Event, run_id: str, speed: float | None = 1.0,
                 loops: int = 0, live_hz: float = 20.0, on_event: EventHook | None = None,
                 alert_drop: float | None = DEFAULT_DROP_SHARE,
                 plan: SessionPlan | None = None,
                 commands: CommandIntake | None = None,
                 history: Path | None = None) -> None:
        super().__init__(name=f"demo-{athlete.name}", daemon=True)
        self.athlete = athlete
        self.paths = paths
        self.sink = sink
        self.stop = stop
        self.run_id = run_id
        self.speed = speed
        self.loops = loops
        self.live_hz = live_hz
        self.on_event = on_event
        self.alert_drop = alert_drop
        self.plan = plan
        self.commands = commands  # coach commands (from the dashboard), if taken
        # Each played recording becomes one session of this athlete's history.
        self.history = history
        self.error: BaseException | None = None
        self.reps_published = 0

    def run(self) -> None:
        try:
            loop = 0
            while not self.stop.is_set() and (self.loops == 0 or loop < self.loops):
                loop += 1
                for path in self.paths:
                    if self.stop.is_set():
                        break
                    self._play(path, loop)
        except Exception as exc:  # reported by the demo command, which then stops
            log.exception("demo athlete %s failed", self.athlete.name)
            self.error = exc

    def _play(self, path: Path, loop: int) -> None:
        src = open_source(path, chunk_s=0.0 if self.speed is not None else FAST_CHUNK_S)
        header = src.header
        side = header.side if header.side != "unknown" else None  # as replay does
        config = PipelineConfig(
            exercise=header.exercise or "auto", rate_hz=header.rate_hz,
            athlete=self.sink.athlete,
            # Unique per run and loop: a dashboard de-duplicates reps by id, so a replayed
            # rep with an id it has seen before would be dropped as a duplicate.
            session_id=run_session_id(session_id_for(path), f"{self.run_id}.{loop}"),
            side=side, target_tempo=self.athlete.target_tempo, live_hz=self.live_hz,
            alert_drop=self.alert_drop, plan=self.plan)
        # One connection per athlete for the whole demo (closing it would publish
        # "offline"), so the sensor name is switched per recording instead.
        self.sink.sensor = sanitize_segment(header.sensor)
        self.sink.set_status(sensor_connected=True, sample_rate_hz=header.rate_hz,
                             exercise=config.exercise, reps=0,
                             target_tempo=self.athlete.target_tempo)
        # Paced pieces of one live period each: a whole 1 s chunk's live samples would
        # leave in one burst, and the sink (which limits the live rate in wall-clock
        # time) would pass only the first of them.
        paced = self.speed is not None and self.live_hz > 0
        sinks: list[Sink] = [self.sink]
        history = self._open_history(config, header.sensor, path)
        if history is not None:
            sinks.append(history)
        try:
            drive = Drive(Pipeline(config), sinks, on_event=self._count,
                          commands=self.commands)
            run_stream(src.chunks, drive,
                       speed=self.speed, piece_s=1.0 / self.live_hz if paced else 0.0,
                       stop=self.stop)
        finally:
            if history is not None:
                history.close()

    def _open_history(self, config: PipelineConfig, sensor: str, path: Path
                      ) -> HistorySink | None:
        if self.history is None:
            return None
        from eccentric.history.sink import HistorySink
        from eccentric.history.store import HistoryError

        def warn(message: str) -> None:
            log.warning("demo history: %s", message)

        try:
            return HistorySink(self.history, session_id=config.session_id,
                               athlete=config.athlete, exercise=config.exercise,
                               sensor=sensor, source=str(path),
                               target_tempo=config.target_tempo, warn=warn)
        except HistoryError as exc:
            warn(f"{exc}; going on without history")
            self.history = None  # one warning, not one per recording
            return None

    def _count(self, ev: Event) -> None:
        if ev.get("type") == "rep":
            self.reps_published += 1
        if self.on_event is not None:
            self.on_event(self.sink.athlete, ev)
