"""The dashboard's HTTP server, its configuration and the ``dashboard`` command."""

from __future__ import annotations

import http.client
import json
import re
import socket
from collections.abc import Iterator

import pytest

from eccentric.app.cli import build_parser, main
from eccentric.app.dashboard import launch
from eccentric.app.dashboard.server import (
    DashboardConfig,
    DashboardError,
    DashboardServer,
    load_static,
)


@pytest.fixture
def server() -> Iterator[DashboardServer]:
    srv = DashboardServer(DashboardConfig("ws://127.0.0.1:9001/mqtt", base="gym/ecc"), 0).start()
    try:
        yield srv
    finally:
        srv.stop()


def get(port: int, path: str, *, method: str = "GET",
        host: str | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        headers = {} if host is None else {"Host": host}
        conn.request(method, path, headers=headers)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def test_config_accepts_websocket_urls_only() -> None:
    assert DashboardConfig("ws://h:9001/mqtt").broker_url == "ws://h:9001/mqtt"
    assert DashboardConfig("wss://broker.example/mqtt").base == "eccentric"
    assert DashboardConfig("ws://h:9001").broker_url == "ws://h:9001/mqtt"
    assert DashboardConfig("ws://h:9001/ws").broker_url == "ws://h:9001/ws"
    for bad in ("mqtt://h:1883", "mqtts://h", "http://h", "embedded", "ws://"):
        with pytest.raises(DashboardError):
            DashboardConfig(bad)
    with pytest.raises(DashboardError, match="password"):
        DashboardConfig("ws://user:secret@h:9001/mqtt")


def test_config_json_and_password_hidden_from_repr() -> None:
    plain = json.loads(DashboardConfig("ws://h:1/mqtt", base="/a/b+c/").as_json())
    assert plain["broker"] == "ws://h:1/mqtt"
    assert plain["base"] == "a/b_c"  # sanitised like the publisher's base
    assert "username" not in plain and "password" not in plain
    cfg = DashboardConfig("ws://h:1/mqtt", username="dash", password="s3cret")
    doc = json.loads(cfg.as_json())
    assert (doc["username"], doc["password"]) == ("dash", "s3cret")
    assert "s3cret" not in repr(cfg)


def test_serves_page_assets_and_config(server: DashboardServer) -> None:
    status, headers, body = get(server.port, "/")
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    html = body.decode()
    # Every local file the page references is served (nothing from a CDN).
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert {"app.js", "style.css", "vendor/mqtt.min.js"} <= set(refs)
    for ref in refs:
        assert "://" not in ref, f"external reference {ref}"
        ref_status, ref_headers, ref_body = get(server.port, "/" + ref)
        assert ref_status == 200, ref
        assert int(ref_headers["content-length"]) == len(ref_body) > 0
    assert get(server.port, "/app.js")[1]["content-type"].startswith("text/javascript")
    status, headers, body = get(server.port, "/config.json?x=1")
    assert status == 200 and headers["content-type"] == "application/json"
    assert json.loads(body)["base"] == "gym/ecc"
    status, headers, body = get(server.port, "/", method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0


def test_vendored_mqtt_client_and_licence_ship_with_the_package() -> None:
    files = load_static()
    assert len(files["/vendor/mqtt.min.js"]) > 100_000
    assert b"MIT License" in files["/vendor/mqtt.LICENSE.md"]


@pytest.mark.parametrize("path", ["/nope", "/../server.py", "/%2e%2e/server.py",
                                  "/static/app.js", "//etc/passwd"])
def test_unknown_paths_are_404(server: DashboardServer, path: str) -> None:
    assert get(server.port, path)[0] == 404


def test_foreign_host_header_refused(server: DashboardServer) -> None:
    # DNS rebinding: evil.example resolving to 127.0.0.1 must not read config.json.
    assert get(server.port, "/config.json", host=f"evil.example:{server.port}")[0] == 421
    assert get(server.port, "/config.json", host=f"localhost:{server.port}")[0] == 200
    assert get(server.port, "/config.json", host=f"127.0.0.1:{server.port}")[0] == 200


def test_stop_releases_the_port() -> None:
    srv = DashboardServer(DashboardConfig("ws://127.0.0.1:9001/mqtt"), 0).start()
    port = srv.port
    srv.stop()
    with socket.socket() as s, pytest.raises(OSError):
        s.settimeout(1)
        s.connect(("127.0.0.1", port))


def test_taken_port_explicit_is_an_error_default_falls_back(
        monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = DashboardConfig("ws://127.0.0.1:9001/mqtt")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        with pytest.raises(DashboardError, match="--port 0"):
            DashboardServer(cfg, taken).start()
        monkeypatch.setattr(launch, "DEFAULT_HTTP_PORT", taken)
        srv = launch.start_server(cfg, None)
        try:
            assert srv.port not in (0, taken)
        finally:
            srv.stop()


def test_browser_opened_only_on_a_desktop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(launch.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert not launch.has_desktop()  # no lynx taking over the terminal
    monkeypatch.setenv("DISPLAY", ":0")
    assert launch.has_desktop()
    assert not launch.maybe_open_browser("http://127.0.0.1:1/", disabled=True)


def test_cli_has_dashboard_and_refuses_tcp_broker(capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args(["dashboard", "--port", "0", "--no-browser"])
    assert args.broker == "ws://127.0.0.1:9001/mqtt" and args.port == 0
    assert main(["dashboard", "--broker", "mqtt://127.0.0.1:1883", "--no-browser"]) == 1
    assert "WebSockets" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        build_parser().parse_args(["dashboard", "--port", "70000"])
