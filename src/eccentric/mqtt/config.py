"""MQTT settings from CLI flags, environment variables and a TOML file, in that order.

A setting given as a flag wins over ``ECCENTRIC_MQTT_<NAME>``, which wins over the
config file (``--mqtt-config``, ``$ECCENTRIC_MQTT_CONFIG`` or
``$XDG_CONFIG_HOME/eccentric/mqtt.toml``), which wins over the default. The password is
never a flag (flags show in ``ps``) and never in the config file (config files get
shared): it comes from ``$ECCENTRIC_MQTT_PASSWORD`` or a password file.
"""

from __future__ import annotations

import os
import socket
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from eccentric.core.errors import EccentricError
from eccentric.mqtt.topics import DEFAULT_BASE, ha_id

ENV_PREFIX = "ECCENTRIC_MQTT_"
EMBEDDED = "embedded"
PROTOCOLS = ("auto", "5", "3.1.1")


class MqttConfigError(EccentricError):
    """An MQTT setting is missing, malformed or contradictory."""


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    """Where to connect: ``mqtt://``, ``mqtts://``, ``ws://`` or ``wss://`` URLs."""

    host: str
    port: int
    tls: bool
    transport: str  # "tcp" or "websockets" (paho's names)
    ws_path: str = "/mqtt"
    username: str | None = None

    @property
    def url(self) -> str:
        scheme = {("tcp", False): "mqtt", ("tcp", True): "mqtts",
                  ("websockets", False): "ws", ("websockets", True): "wss"}[
                      (self.transport, self.tls)]
        path = self.ws_path if self.transport == "websockets" else ""
        return f"{scheme}://{self.host}:{self.port}{path}"


_SCHEMES = {"mqtt": ("tcp", False, 1883), "tcp": ("tcp", False, 1883),
            "mqtts": ("tcp", True, 8883), "ssl": ("tcp", True, 8883),
            "ws": ("websockets", False, 80), "wss": ("websockets", True, 443)}


def parse_broker_url(url: str) -> BrokerAddress:
    """Parse a broker URL. A password in the URL is refused: it would show in ``ps``."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise MqttConfigError(
            f"broker {url!r}: use mqtt://, mqtts://, ws:// or wss:// (or 'embedded')")
    if parts.password is not None:
        raise MqttConfigError(
            "put the MQTT password in $ECCENTRIC_MQTT_PASSWORD or --mqtt-password-file, "
            "not in the broker URL")
    if not parts.hostname:
        raise MqttConfigError(f"broker {url!r} has no host")
    transport, tls, default_port = _SCHEMES[scheme]
    try:
        port = parts.port or default_port
    except ValueError as exc:
        raise MqttConfigError(f"broker {url!r}: {exc}") from None
    path = parts.path or "/mqtt"
    user = unquote(parts.username) if parts.username else None
    return BrokerAddress(parts.hostname, port, tls, transport, path, user)


@dataclass(frozen=True)
class MqttConfig:
    """Resolved settings. ``password`` is excluded from ``repr`` so it never gets logged."""

    broker: str = EMBEDDED
    base: str = DEFAULT_BASE
    client_id: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    password_file: str | None = None
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    tls_insecure: bool = False
    protocol: str = "auto"
    keepalive_s: int = 30
    connack_timeout_s: float = 5.0
    queue_path: str | None = None
    queue_max: int = 100_000
    live_hz: float = 20.0
    raw_imu: bool = False
    ha_discovery: bool = False
    ha_prefix: str = "homeassistant"
    ha_expire_after_s: int = 60
    embedded_port: int = 1883
    embedded_ws_port: int = 9001
    reconnect_min_s: float = 0.5
    reconnect_max_s: float = 30.0

    @property
    def is_embedded(self) -> bool:
        return self.broker.strip().lower() == EMBEDDED

    def address(self) -> BrokerAddress:
        if self.is_embedded:
            return BrokerAddress("127.0.0.1", self.embedded_port, False, "tcp")
        return parse_broker_url(self.broker)

    def resolved_client_id(self, athlete: str) -> str:
        """Configured id, or ``<base>-<host>-<athlete>``: stable across restarts (so the
        disk queue is found again) and distinct per host and athlete (a duplicate id makes
        the broker drop the older connection, and two such clients evict each other)."""
        if self.client_id:
            return self.client_id
        base = self.base.split("/")[0]
        return "-".join(ha_id(p) for p in (base, socket.gethostname(), athlete))

    def with_password_loaded(self) -> MqttConfig:
        if self.password is not None or not self.password_file:
            return self
        try:
            text = Path(self.password_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise MqttConfigError(f"cannot read MQTT password file: {exc.strerror}") from None
        return replace(self, password=text.rstrip("\r\n"))

    def validate(self) -> MqttConfig:
        if self.protocol not in PROTOCOLS:
            raise MqttConfigError(f"MQTT protocol must be one of {', '.join(PROTOCOLS)}")
        if not self.is_embedded:
            self.address()
        if self.live_hz < 0 or self.live_hz > 100:
            raise MqttConfigError("live rate must be between 0 (off) and 100 Hz")
        if self.queue_max < 1:
            raise MqttConfigError("the MQTT queue must hold at least one message")
        # A certificate without a key is fine (a PEM holding both); a key alone is not.
        if self.key_file and not self.cert_file:
            raise MqttConfigError("--mqtt-key needs --mqtt-cert")
        if self.reconnect_min_s <= 0 or self.reconnect_max_s < self.reconnect_min_s:
            raise MqttConfigError("reconnect delays must satisfy 0 < min <= max")
        return self


_FIELD_TYPES: dict[str, type] = {
    f.name: (bool if f.type == "bool" else int if f.type == "int"
             else float if f.type == "float" else str)
    for f in fields(MqttConfig)
}
# Keys accepted from the config file; the password itself is deliberately not one.
FILE_KEYS = frozenset(_FIELD_TYPES) - {"password"}
ENV_KEYS = frozenset(_FIELD_TYPES)


def _coerce(name: str, value: Any, origin: str) -> Any:
    kind = _FIELD_TYPES[name]
    if kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise MqttConfigError(f"{origin}: expected true or false, got {value!r}")
    if kind in (int, float):
        if isinstance(value, bool):
            raise MqttConfigError(f"{origin}: expected a number, got {value!r}")
        try:
            return kind(value)
        except (TypeError, ValueError):
            raise MqttConfigError(f"{origin}: expected a number, got {value!r}") from None
    if not isinstance(value, str | int | float):
        raise MqttConfigError(f"{origin}: expected text, got {value!r}")
    return str(value)


def default_config_file(env: Mapping[str, str]) -> Path:
    root = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(root) / "eccentric" / "mqtt.toml"


def load_config_file(path: Path, required: bool) -> dict[str, Any]:
    if not path.exists():
        if required:
            raise MqttConfigError(f"MQTT config file {path} does not exist")
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise MqttConfigError(f"MQTT config file {path}: {exc}") from None
    table = data.get("mqtt", data)
    if not isinstance(table, dict):
        raise MqttConfigError(f"MQTT config file {path}: [mqtt] must be a table")
    if "password" in table:
        raise MqttConfigError(
            f"MQTT config file {path}: keep the password out of it; use password_file "
            "or $ECCENTRIC_MQTT_PASSWORD")
    unknown = sorted(set(table) - FILE_KEYS)
    if unknown:
        raise MqttConfigError(f"MQTT config file {path}: unknown keys {', '.join(unknown)}")
    return {k: _coerce(k, v, f"{path}: {k}") for k, v in table.items()}


def resolve(flags: Mapping[str, Any], env: Mapping[str, str] | None = None,
            config_file: str | None = None) -> MqttConfig:
    """Merge defaults < file < environment < flags (flags whose value is None are unset)."""
    return resolve_with_sources(flags, env, config_file)[0]


def resolve_with_sources(flags: Mapping[str, Any], env: Mapping[str, str] | None = None,
                         config_file: str | None = None) -> tuple[MqttConfig, set[str]]:
    """Like :func:`resolve`, also returning the names of settings that were given."""
    env = os.environ if env is None else env
    file_name = config_file or env.get(ENV_PREFIX + "CONFIG")
    path = Path(file_name) if file_name else default_config_file(env)
    values: dict[str, Any] = load_config_file(path, required=bool(file_name))
    for name in ENV_KEYS:
        raw = env.get(ENV_PREFIX + name.upper())
        if raw is not None and raw != "":
            values[name] = _coerce(name, raw, ENV_PREFIX + name.upper())
    for name, value in flags.items():
        if value is not None:
            if name not in _FIELD_TYPES:
                raise MqttConfigError(f"unknown MQTT setting {name!r}")
            values[name] = _coerce(name, value, f"--{name}")
    return MqttConfig(**values).with_password_loaded().validate(), set(values)
