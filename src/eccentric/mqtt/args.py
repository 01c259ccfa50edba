"""Command-line side of MQTT: the flags every publishing command shares, and the
factory that turns parsed arguments into a running :class:`MqttSink`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from eccentric.mqtt.config import PROTOCOLS, MqttConfig, resolve_with_sources

if TYPE_CHECKING:  # the sink pulls in paho and jsonschema: only when MQTT is used
    from eccentric.mqtt.sink import MqttSink

log = logging.getLogger(__name__)

# argparse destination -> MqttConfig field
FLAG_FIELDS = {
    "broker": "broker", "mqtt_base": "base", "mqtt_client_id": "client_id",
    "mqtt_username": "username", "mqtt_password_file": "password_file",
    "mqtt_ca": "ca_file", "mqtt_cert": "cert_file", "mqtt_key": "key_file",
    "mqtt_insecure": "tls_insecure", "mqtt_protocol": "protocol",
    "mqtt_queue": "queue_path", "mqtt_queue_max": "queue_max", "mqtt_live_hz": "live_hz",
    "mqtt_raw_imu": "raw_imu", "ha_discovery": "ha_discovery", "ha_prefix": "ha_prefix",
    "embedded_port": "embedded_port", "embedded_ws_port": "embedded_ws_port",
}


def add_connection_arguments(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """Flags needed to reach a broker (shared by publishers and ``watch``). Defaults are
    None so that unset flags fall through to the environment and the config file."""
    g = parser.add_argument_group("MQTT (flags > ECCENTRIC_MQTT_* env > config file)")
    g.add_argument("--broker", metavar="URL|embedded",
                   help="mqtt://host[:port], mqtts://..., ws://host[:port][/path], wss://..., "
                        "or 'embedded' to run a broker in-process on 127.0.0.1")
    g.add_argument("--mqtt-config", metavar="FILE",
                   help="TOML settings (default $XDG_CONFIG_HOME/eccentric/mqtt.toml)")
    g.add_argument("--mqtt-base", metavar="TOPIC", help="base topic (default eccentric)")
    g.add_argument("--mqtt-client-id", metavar="ID",
                   help="MQTT client id (default <base>-<host>-<athlete>)")
    g.add_argument("--mqtt-username", metavar="NAME")
    g.add_argument("--mqtt-password-file", metavar="FILE",
                   help="file holding the password (or set $ECCENTRIC_MQTT_PASSWORD)")
    g.add_argument("--mqtt-ca", metavar="FILE", help="CA certificates for TLS")
    g.add_argument("--mqtt-cert", metavar="FILE", help="client certificate for TLS")
    g.add_argument("--mqtt-key", metavar="FILE", help="client key for TLS")
    g.add_argument("--mqtt-insecure", action="store_const", const=True, default=None,
                   help="do not verify the broker's TLS certificate (testing only)")
    g.add_argument("--mqtt-protocol", choices=PROTOCOLS, default=None,
                   help="MQTT version; auto tries 5 and falls back to 3.1.1")
    return g


def add_broker_arguments(parser: argparse.ArgumentParser) -> None:
    """All MQTT publishing flags (for replay and live)."""
    g = add_connection_arguments(parser)
    g.add_argument("--mqtt-queue", metavar="FILE",
                   help="on-disk queue for reps and sets while the broker is away")
    g.add_argument("--mqtt-queue-max", type=int, metavar="N",
                   help="queue bound in messages (oldest dropped beyond; default 100000)")
    g.add_argument("--mqtt-live-hz", type=float, metavar="HZ",
                   help="rate of the live gauge stream (default 20, 0 = off)")
    g.add_argument("--mqtt-raw-imu", action="store_const", const=True, default=None,
                   help="also publish raw IMU batches (off by default)")
    g.add_argument("--ha-discovery", action=argparse.BooleanOptionalAction, default=None,
                   help="announce entities to Home Assistant (default off)")
    g.add_argument("--ha-prefix", metavar="TOPIC",
                   help="Home Assistant discovery prefix (default homeassistant)")
    g.add_argument("--embedded-port", type=int, metavar="PORT",
                   help="TCP port of --broker embedded (default 1883, 0 = any free)")
    g.add_argument("--embedded-ws-port", type=int, metavar="PORT",
                   help="WebSocket port of --broker embedded (default 9001, 0 = any free)")


def config_from_args(args: argparse.Namespace,
                     env: Mapping[str, str] | None = None) -> tuple[MqttConfig, bool]:
    """Resolved settings, and whether a broker was asked for at all (flag, env or file)."""
    flags: dict[str, Any] = {field: getattr(args, dest, None)
                             for dest, field in FLAG_FIELDS.items()}
    config, given = resolve_with_sources(flags, os.environ if env is None else env,
                                         getattr(args, "mqtt_config", None))
    return config, "broker" in given


def open_sink_from_args(args: argparse.Namespace, athlete: str, sensor: str, *,
                        accept_commands: bool = False) -> MqttSink | None:
    """An :class:`MqttSink` when a broker is configured, else None.

    With ``--broker embedded`` an in-process broker is started first and stopped when
    the sink is closed. Raises :class:`~eccentric.core.errors.EccentricError` on bad settings.
    """
    config, requested = config_from_args(args)
    if not requested:
        return None
    from eccentric.mqtt.sink import MqttSink

    on_close = None
    if config.is_embedded:
        from eccentric.mqtt.broker import EmbeddedBroker

        broker = EmbeddedBroker(config.embedded_port, config.embedded_ws_port).start()
        # amqtt speaks MQTT 3.1.1 only: skip the v5 attempt.
        config = replace(config, embedded_port=broker.port,
                         embedded_ws_port=broker.ws_port or 0, protocol="3.1.1")
        print(f"eccentric: embedded MQTT broker on {broker.url} and {broker.ws_url} "
              f"(topics under {config.base}/)", file=sys.stderr)
        on_close = broker.stop
    sink = MqttSink(config, athlete=athlete, sensor=sensor, accept_commands=accept_commands,
                    on_close=on_close)
    log.info("MQTT: publishing to %s under %s/%s", config.address().url, config.base,
             sink.athlete)
    return sink

