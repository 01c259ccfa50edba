"""Build a paho-mqtt 2.x client from settings: transport, TLS, credentials, Last Will.

Shared by the publisher and the watcher. Nothing here logs the password.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from eccentric.mqtt.config import BrokerAddress, MqttConfig, MqttConfigError


@dataclass(frozen=True, slots=True)
class Will:
    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = True


def paho_protocol(version: str) -> MQTTProtocolVersion:
    return mqtt.MQTTv5 if version == "5" else mqtt.MQTTv311


def tls_context(config: MqttConfig) -> ssl.SSLContext:
    """Verification is on unless ``tls_insecure``; a CA file replaces the system store."""
    try:
        ctx = ssl.create_default_context(cafile=config.ca_file)
        if config.cert_file:
            ctx.load_cert_chain(config.cert_file, config.key_file)
    except (OSError, ssl.SSLError) as exc:
        raise MqttConfigError(f"MQTT TLS files: {exc}") from None
    if config.tls_insecure:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def build_client(config: MqttConfig, address: BrokerAddress, client_id: str,
                 protocol: str, will: Will | None = None, *,
                 reconnect: bool = False) -> mqtt.Client:
    """By default a client that does not reconnect by itself: the publisher owns
    reconnection, so each connection starts with an empty paho queue and resends come
    from one place. Subscribers that keep nothing (``watch``) let paho reconnect."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=paho_protocol(protocol),
        transport="websockets" if address.transport == "websockets" else "tcp",
        reconnect_on_failure=reconnect,
        # MQTT 3.1.1 clean session; for v5 clean_start is given to connect().
        clean_session=True if protocol != "5" else None,
    )
    if address.transport == "websockets":
        client.ws_set_options(path=address.ws_path)
    if address.tls:
        client.tls_set_context(tls_context(config))
    username = config.username or address.username
    if username or config.password:
        client.username_pw_set(username or "", config.password)
    if will is not None:
        client.will_set(will.topic, will.payload, qos=will.qos, retain=will.retain)
    # Bounded paho queue: the durable backlog lives on disk, never in paho's memory.
    client.max_inflight_messages_set(100)
    return client
