"""Command-line side of MQTT: the flags every publishing command shares, and the
factory that turns parsed arguments into a running :class:`MqttSink`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eccentric.mqtt.config import (
    ENV_PREFIX,
    PROTOCOLS,
    MqttConfig,
    MqttConfigError,
    resolve_with_sources,
)

if TYPE_CHECKING:  # the sink pulls in paho and jsonschema: only when MQTT is used
    from eccentric.mqtt.broker import EmbeddedBroker, ListenPort
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


def port_arg(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port must be a number, not {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError("port must be 0 (any free) to 65535")
    return port


class PortFlag(argparse.Action):
    """Stores a port and remembers the flag it was given with (``args.port_flags``), so
    that a port in use can be reported under the name the user typed."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        setattr(namespace, self.dest, values)
        flags = dict(getattr(namespace, "port_flags", None) or {})
        flags[self.dest] = option_string or self.option_strings[0]
        namespace.port_flags = flags


def given_flag(args: argparse.Namespace, dest: str) -> str | None:
    """The flag a port option was given with, None when it was not given."""
    if getattr(args, dest, None) is None:
        return None
    flags: dict[str, str] = getattr(args, "port_flags", None) or {}
    return flags.get(dest, "--" + dest.replace("_", "-"))


def add_embedded_port_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup,
                                *, dest: str = "embedded_port",
                                ws_dest: str = "embedded_ws_port", what: str) -> None:
    """``--mqtt-port`` and ``--ws-port`` (also spelt ``--embedded-port`` and
    ``--embedded-ws-port``) for the embedded broker's two listeners."""
    parser.add_argument("--mqtt-port", "--embedded-port", dest=dest, type=port_arg,
                        action=PortFlag, default=None, metavar="PORT",
                        help=f"MQTT (TCP) port of {what} (default 1883, or the next free "
                             "port if that is taken; 0 = any free)")
    parser.add_argument("--ws-port", "--embedded-ws-port", dest=ws_dest, type=port_arg,
                        action=PortFlag, default=None, metavar="PORT",
                        help=f"WebSocket port of {what} (default 9001, or the next free "
                             "port if that is taken; 0 = any free)")


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
    add_embedded_port_arguments(g, what="--broker embedded")


def resolve_args(args: argparse.Namespace,
                 env: Mapping[str, str] | None = None) -> tuple[MqttConfig, set[str]]:
    """Resolved settings, and the names of those given (by flag, env or file)."""
    flags: dict[str, Any] = {field: getattr(args, dest, None)
                             for dest, field in FLAG_FIELDS.items()}
    return resolve_with_sources(flags, os.environ if env is None else env,
                                getattr(args, "mqtt_config", None))


def config_from_args(args: argparse.Namespace,
                     env: Mapping[str, str] | None = None) -> tuple[MqttConfig, bool]:
    """Resolved settings, and whether a broker was asked for at all (flag, env or file)."""
    config, given = resolve_args(args, env)
    return config, "broker" in given


def _listen_port(args: argparse.Namespace, field: str, number: int, default: int,
                 given: set[str], env: Mapping[str, str]) -> ListenPort:
    """How the embedded broker's port ``field`` was chosen: by a flag, the environment,
    the config file (used as given), or not at all (the default, which may move up)."""
    from eccentric.mqtt.broker import ListenPort

    flag = given_flag(args, field)
    if flag is None and field in given:
        name = ENV_PREFIX + field.upper()
        flag = name if env.get(name) else f"{field} in the MQTT config file"
    return ListenPort(number, flag) if flag else ListenPort(default, default=True)


def start_embedded_broker(args: argparse.Namespace, config: MqttConfig, given: set[str],
                          env: Mapping[str, str] | None = None,
                          ) -> tuple[EmbeddedBroker, MqttConfig]:
    """Start the in-process broker of ``--broker embedded`` on the ports asked for;
    returns it and ``config`` pointing at it. A port that was asked for and is taken is
    an :class:`~eccentric.mqtt.broker.EmbeddedBrokerError` naming it and its flag."""
    from eccentric.mqtt.broker import DEFAULT_PORT, DEFAULT_WS_PORT, EmbeddedBroker

    env = os.environ if env is None else env
    broker = EmbeddedBroker(
        _listen_port(args, "embedded_port", config.embedded_port, DEFAULT_PORT, given, env),
        _listen_port(args, "embedded_ws_port", config.embedded_ws_port, DEFAULT_WS_PORT,
                     given, env)).start()
    # amqtt speaks MQTT 3.1.1 only: skip the v5 attempt.
    return broker, replace(config, embedded_port=broker.port,
                           embedded_ws_port=broker.ws_port or 0, protocol="3.1.1")


# MqttConfig field -> argparse destination of the TLS files
TLS_FILES = {"ca_file": "mqtt_ca", "cert_file": "mqtt_cert", "key_file": "mqtt_key"}


def setting_name(args: argparse.Namespace, field: str, env: Mapping[str, str] | None = None
                 ) -> str:
    """Where setting ``field`` came from, as the user would recognise it: its flag, its
    environment variable, or its key in the config file."""
    env = os.environ if env is None else env
    dest = next((d for d, f in FLAG_FIELDS.items() if f == field), None)
    if dest is not None and getattr(args, dest, None) is not None:
        return "--" + dest.replace("_", "-")
    if env.get(ENV_PREFIX + field.upper()):
        return ENV_PREFIX + field.upper()
    return f"{field} in the MQTT config file"


def check_tls_files(args: argparse.Namespace, config: MqttConfig,
                    env: Mapping[str, str] | None = None) -> None:
    """The CA, certificate and key files exist, can be read and hold what they should,
    before anything connects: otherwise the sender thread would fail on every attempt.
    An :class:`MqttConfigError` names the flag (or variable, or key) and the file."""
    import ssl

    for field in TLS_FILES:
        path = getattr(config, field)
        if not path:
            continue
        name = setting_name(args, field, env)
        p = Path(path)
        if not p.exists():
            raise MqttConfigError(f"{name} {path}: no such file")
        if not p.is_file():
            raise MqttConfigError(f"{name} {path}: not a file")
        try:
            with p.open("rb") as fh:
                fh.read(1)
        except OSError as exc:
            raise MqttConfigError(f"{name} {path}: cannot read it ({exc.strerror})") from None
    if config.ca_file:
        try:
            ssl.create_default_context(cafile=config.ca_file)
        except (ssl.SSLError, ValueError) as exc:
            raise MqttConfigError(f"{setting_name(args, 'ca_file', env)} {config.ca_file}: "
                                  f"not a PEM CA certificate file ({exc})") from None
    if config.cert_file:
        try:
            ssl.create_default_context().load_cert_chain(config.cert_file, config.key_file)
        except ssl.SSLError as exc:
            raise MqttConfigError(f"{setting_name(args, 'cert_file', env)} {config.cert_file}"
                                  f": not a PEM certificate with its key ({exc})") from None
    given_files = [f for f in TLS_FILES if getattr(config, f)]
    if given_files and not config.address().tls:
        # A plain connection never reads them: the user meant TLS, or a stale setting.
        name = setting_name(args, given_files[0], env)
        raise MqttConfigError(f"{name} is for a TLS broker (mqtts:// or wss://), but broker "
                              f"{config.broker} is plain; use its TLS URL or drop {name}")


def check_embedded_ports(args: argparse.Namespace, config: MqttConfig) -> None:
    """Port flags of the embedded broker with another broker would be silently ignored."""
    if config.is_embedded:
        return
    for dest in ("embedded_port", "embedded_ws_port"):
        flag = given_flag(args, dest)
        if flag:
            raise MqttConfigError(f"{flag} is for --broker embedded; the port of broker "
                                  f"{config.broker} is part of its URL")


def open_sink_from_args(args: argparse.Namespace, athlete: str, sensor: str, *,
                        accept_commands: bool = False, fail_fast: bool = False
                        ) -> MqttSink | None:
    """An :class:`MqttSink` when a broker is configured, else None.

    With ``--broker embedded`` an in-process broker is started first and stopped when
    the sink is closed. Raises :class:`~eccentric.core.errors.EccentricError` on bad settings.
    """
    config, given = resolve_args(args)
    if "broker" not in given:
        return None
    check_embedded_ports(args, config)
    check_tls_files(args, config)
    from eccentric.mqtt.sink import MqttSink

    on_close = None
    if config.is_embedded:
        broker, config = start_embedded_broker(args, config, given)
        for note in broker.moved():
            print(f"eccentric: {note}", file=sys.stderr)
        print(f"eccentric: embedded MQTT broker on {broker.url} and {broker.ws_url} "
              f"(topics under {config.base}/)", file=sys.stderr)
        on_close = broker.stop
    sink = MqttSink(config, athlete=athlete, sensor=sensor, accept_commands=accept_commands,
                    on_close=on_close, fail_fast=fail_fast)
    log.info("MQTT: publishing to %s under %s/%s", config.address().url, config.base,
             sink.athlete)
    return sink

