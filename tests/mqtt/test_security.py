"""TLS with certificate verification (on by default) and username/password against a
Mosquitto that allows nothing else; the password never shows in logs."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.mqtt.brokers import Mosquitto
from tests.mqtt.conftest import SinkFactory
from tests.mqtt.events import rep
from tests.mqtt.subscriber import Collector

PASSWORD = "Correct-Horse-7"


@dataclass
class SecureBroker:
    broker: Mosquitto
    ca: Path

    @property
    def url(self) -> str:
        return f"mqtts://127.0.0.1:{self.broker.port}"


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def secure(tmp_path: Path) -> Iterator[SecureBroker]:
    d = tmp_path / "tls"
    d.mkdir()
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
             "ca.crt", "-days", "2", "-subj", "/CN=eccentric test CA", cwd=d)
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out",
             "server.csr", "-subj", "/CN=127.0.0.1", cwd=d)
    (d / "ext").write_text("subjectAltName=IP:127.0.0.1\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "ext", cwd=d)
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(d / "passwd"), "coach", PASSWORD],
                   check=True, capture_output=True)
    broker = Mosquitto(d, persistence=False, custom=lambda port: [
        f"listener {port} 127.0.0.1",
        f"cafile {d / 'ca.crt'}", f"certfile {d / 'server.crt'}",
        f"keyfile {d / 'server.key'}",
        "allow_anonymous false", f"password_file {d / 'passwd'}"])
    broker.start()
    try:
        yield SecureBroker(broker, d / "ca.crt")
    finally:
        broker.stop()


def _collector(secure: SecureBroker) -> Collector:
    return Collector(secure.broker.port, client_id="secure-dash", ca_file=str(secure.ca),
                     username="coach", password=PASSWORD)


def test_tls_and_password(secure: SecureBroker, make_sink: SinkFactory,
                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    dash = _collector(secure)
    try:
        good = make_sink(secure.url, athlete="good", ca_file=str(secure.ca),
                         username="coach", password=PASSWORD)
        assert good.publisher.wait_connected(10)
        good.publish_event(rep(1))
        assert dash.wait_for(lambda ms: any(m.topic == "eccentric/good/rep" for m in ms), 10)

        # Verification is on by default: the system CAs do not know the test CA.
        unverified = make_sink(secure.url, athlete="unverified", username="coach",
                               password=PASSWORD)
        # Opting out of verification connects (for tests only).
        insecure = make_sink(secure.url, athlete="insecure", username="coach",
                             password=PASSWORD, tls_insecure=True)
        # A wrong password is refused.
        wrong = make_sink(secure.url, athlete="wrong", ca_file=str(secure.ca),
                          username="coach", password="not-" + PASSWORD)
        assert insecure.publisher.wait_connected(10)
        assert not unverified.publisher.wait_connected(1.5)
        assert not wrong.publisher.wait_connected(0.5)
        assert unverified.publisher.stats.connect_failures >= 1
        assert wrong.publisher.stats.connect_failures >= 1
        assert "certificate verify failed" in caplog.text.lower()
        assert PASSWORD not in caplog.text
    finally:
        dash.stop()
